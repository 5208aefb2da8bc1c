using Partner.Api.Alarms;
using Partner.Api.Auth;
using Partner.Api.Catalog;
using Partner.Api.Health;
using Partner.Api.Hosting;
using Partner.Api.Idempotency;
using Partner.Api.Live;
using Partner.Api.Matches;
using Partner.Api.Operations;
using Partner.Api.Problems;
using Partner.Api.RandomMatch;
using Partner.Api.Rooms;
using Partner.Api.Users;
using Partner.Silo.Hosting;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddPartnerLogging();
builder.AddPartnerForwardedHeaders();
builder.AddPartnerOrleans();
builder.AddPartnerJson();
builder.AddPartnerProblemDetails();
builder.AddPartnerAuth();
builder.AddPartnerRateLimits();
builder.AddPartnerOverloadShedding();
builder.AddPartnerHealthChecks();
builder.AddPartnerLive();
builder.AddPartnerRoomReads();
builder.AddPartnerSecurityHeaders();
builder.AddPartnerCors();
builder.AddPartnerTelemetry();
builder.AddPartnerDashboard();
builder.Services.AddValidation();
builder.Services.AddOpenApi();

var app = builder.Build();

app.UsePartnerForwardedHeaders();
app.UsePartnerSecurityHeaders();
app.UsePartnerCors();
app.UseWebClientFiles();
app.UseExceptionHandler();
app.UsePartnerStatusCodePages();
app.UseRequestBodyLimit();
app.UseOverloadShedding();
app.UseJsonCharsetGuard();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiterStoppedWithTheApp();
app.UseIdempotentCreates();

app.MapOpenApi();
app.MapScalarApiReference();
app.MapPartnerHealth();
app.MapPartnerMetrics();
app.MapPartnerDashboard();
app.MapCatalog();
app.MapAuth();
app.MapUsers();
app.MapRooms();
app.MapRandomMatch();
app.MapMatches();
app.MapAlarms();
app.MapPartnerHub();
app.MapWebClient();

app.Run();

/// <summary>The API's entry point, public for WebApplicationFactory.</summary>
public partial class Program;
