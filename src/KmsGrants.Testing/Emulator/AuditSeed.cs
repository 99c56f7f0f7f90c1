namespace KmsGrants.Testing.Emulator;

/// <summary>Makes one Region's <see cref="AuditShape"/>: the grants of each key in the pattern the shape documents.</summary>
static class AuditSeed
{
    public static string DeletedRole(string account, int n) => $"arn:aws:iam::{account}:role/audit-deleted-{n}";

    public static KmsKey[] Make(KmsState state, string account, AuditShape shape)
    {
        var keys = new List<KmsKey>();
        var now = DateTimeOffset.UtcNow;
        long made = 0;
        DateTimeOffset? Date() => shape.GrantAgeDays == 0 ? null : now.AddDays(-(made++ % (shape.GrantAgeDays + 1)));
        void Grants(KmsKey key, int number, int count)
        {
            var ci = $"arn:aws:iam::{account}:role/audit-ci";
            for (var j = 0; j < count; j++)
            {
                var app = $"arn:aws:iam::{account}:role/audit-app-{(number + j) % 20}";
                switch (j % 5)
                {
                    case 0 or 1:
                        state.NewGrant(key, app, ci, ["Decrypt", "Encrypt"], $"audit-{j}", null, Date());
                        break;
                    case 2:
                        state.NewGrant(key, app, ci, ["Decrypt"], null, null, Date());
                        break;
                    case 3:
                        // The duplicate of grant j - 1: the same grantee (that of j - 1), retiring principal and operations.
                        state.NewGrant(key, $"arn:aws:iam::{account}:role/audit-app-{(number + j - 1) % 20}", ci, ["Decrypt"], null, null, Date());
                        break;
                    default:
                        state.NewGrant(key, DeletedRole(account, number % 10), ci, ["Decrypt"], $"audit-{j}", null, Date());
                        break;
                }
            }
        }
        for (var i = 0; i < shape.Keys; i++)
        {
            var key = state.NewKey(account, $"audit key {i}");
            Grants(key, i, shape.GrantsPerKey);
            keys.Add(key);
        }
        if (shape.BigKeyGrants > 0)
        {
            var big = state.NewKey(account, "audit big key");
            Grants(big, shape.Keys, shape.BigKeyGrants);
            keys.Add(big);
        }
        if (shape.AwsManagedGrants > 0)
        {
            var ebs = state.AddKey(account, "Default key that protects my EBS volumes when no other key is defined", "alias/aws/ebs", awsManaged: true);
            var ec2 = $"ec2.{state.Region}.amazonaws.com";
            for (var j = 0; j < shape.AwsManagedGrants; j++)
                state.NewGrant(ebs, ec2, ec2, ["Decrypt", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant", "DescribeKey"], null, null, Date());
            keys.Add(ebs);
        }
        return [.. keys];
    }
}
