# A silo: hosts the grains, stores their state in MariaDB, meets the other silos through Redis. Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t partner-silo .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY grain-interfaces/Partner.GrainInterfaces.csproj grain-interfaces/
COPY grains/Partner.Grains.csproj grains/
COPY silo/Partner.Silo.csproj silo/
RUN dotnet restore silo/Partner.Silo.csproj
COPY grain-interfaces/ grain-interfaces/
COPY grains/ grains/
COPY silo/ silo/
RUN dotnet publish silo/Partner.Silo.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app .
# Silo-to-silo port, gateway port for API nodes, and the silo's own /metrics (Partner:Metrics:Port).
ENV Partner__Mode=Production \
    Orleans__Endpoints__SiloPort=11111 \
    Orleans__Endpoints__GatewayPort=30000 \
    Partner__Metrics__Port=9090 \
    DOTNET_ENVIRONMENT=Production
EXPOSE 11111 30000 9090
USER $APP_UID
# The metrics listener answers once the silo process is up; Orleans itself declares a silo dead that stops answering probes.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /metrics HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["dotnet", "Partner.Silo.dll"]
