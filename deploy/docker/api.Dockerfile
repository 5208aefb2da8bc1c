# An API node: REST, the SignalR hub, /metrics, /dashboard and the web client. Build from the repository root:
#   docker build -f deploy/docker/api.Dockerfile -t partner-api .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The API's build bundles the web client with npm and esbuild (see api/Partner.Api.csproj).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY grain-interfaces/Partner.GrainInterfaces.csproj grain-interfaces/
COPY grains/Partner.Grains.csproj grains/
COPY silo/Partner.Silo.csproj silo/
COPY api/Partner.Api.csproj api/
RUN dotnet restore api/Partner.Api.csproj
COPY web/package.json web/package-lock.json web/
RUN cd web && npm ci --no-audit --no-fund --loglevel=error
COPY grain-interfaces/ grain-interfaces/
COPY grains/ grains/
COPY silo/ silo/
COPY web/ web/
COPY api/ api/
RUN dotnet publish api/Partner.Api.csproj -c Release --no-restore -o /app \
 && grep -q AllowedHosts /app/appsettings.json \
 && test -f /app/wwwroot/app/app.js

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
ENV Partner__Mode=Production \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_ENVIRONMENT=Production \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# The image's non-root user (uid 1654).
USER $APP_UID
# No curl in the runtime image: bash speaks HTTP/1.0 without a Host header, which AllowedHosts filtering lets through.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "Partner.Api.dll"]
