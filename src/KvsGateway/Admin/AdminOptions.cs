using System.ComponentModel.DataAnnotations;

namespace KvsGateway.Admin;

/// <summary>Section <c>Admin</c>: bearer tokens that may call <c>/admin</c>. None configured: the admin API refuses everyone.</summary>
public sealed class AdminOptions : IValidatableObject
{
    public const string SectionName = "Admin";

    /// <summary>Each of at least <see cref="MinTokenLength"/> characters: they guard every tenant's sessions.</summary>
    public List<string> Tokens { get; } = [];

    public const int MinTokenLength = 16;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Tokens.Count; i++)
        {
            if (Tokens[i] is not { Length: >= MinTokenLength })
            {
                yield return new ValidationResult($"Admin:Tokens:{i} must have at least {MinTokenLength} characters.", [nameof(Tokens)]);
            }
        }
    }
}
