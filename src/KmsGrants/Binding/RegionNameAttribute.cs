using System.Collections;
using System.Management.Automation;

namespace KmsGrants.Commands
{
    /// <summary>Refuses a list as a Region. PowerShell does not convert a list to text when it binds a pipeline object's
    /// property, and it then leaves the parameter unbound without a word: a row whose Region was ["eu-west-1"] would go
    /// to the command's Region. Refused here, the binder reports that object (its error names the object, which is not
    /// taken) and the others go on.</summary>
    [System.AttributeUsage(System.AttributeTargets.Property)]
    public sealed class RegionNameAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject ps ? ps.BaseObject : inputData;
            if (value is IEnumerable and not string and not IDictionary)
                throw new ArgumentTransformationMetadataException("A Region is one Region name (e.g. us-east-1), not a list.");
            return inputData;
        }
    }
}
