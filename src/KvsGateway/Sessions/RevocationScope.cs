namespace KvsGateway.Sessions;

public enum RevocationScope
{
    Session,
    Stream,
    Tenant,
}
