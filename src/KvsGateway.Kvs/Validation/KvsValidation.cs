using KvsGateway.Kvs.Errors;

namespace KvsGateway.Kvs.Validation;

/// <summary>AWS's wording for a field that breaks a model constraint.</summary>
public static class KvsValidation
{
    public static KvsException ConstraintViolation(object? value, string member, string constraint) =>
        KvsException.InvalidArgument($"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}");
}
