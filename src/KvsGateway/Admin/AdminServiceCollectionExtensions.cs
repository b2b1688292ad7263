using Microsoft.Extensions.Options;

namespace KvsGateway.Admin;

/// <summary>Registers the admin API: its tokens and its OpenAPI document.</summary>
public static class AdminServiceCollectionExtensions
{
    public static IServiceCollection AddAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>();
        services.AddSingleton<AdminAuthorization>();
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "KvsGateway admin API";
            document.Info.Description = "Operator endpoints under /admin; every call needs an Admin:Tokens bearer token.";
            return Task.CompletedTask;
        }));
        return services;
    }
}
