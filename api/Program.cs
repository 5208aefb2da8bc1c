using Partner.Api.Catalog;
using Partner.Api.Errors;
using Partner.Api.Health;
using Partner.Api.Hosting;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

builder.AddPartnerOrleans();
builder.AddPartnerJson();
builder.AddPartnerProblemDetails();
builder.AddPartnerHealthChecks();
builder.Services.AddOpenApi();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapOpenApi();
app.MapScalarApiReference();
app.MapPartnerHealth();
app.MapCatalog();

app.Run();

/// <summary>The API's entry point, public for WebApplicationFactory.</summary>
public partial class Program;
