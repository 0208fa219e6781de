namespace BmeQuant.Reporting;

/// <summary>How the edema of a bone (or of the whole joint) changed between two timepoints.</summary>
public enum ChangeStatus
{
    /// <summary>No edema at either timepoint.</summary>
    None,

    /// <summary>Edema present before, gone now (below the detection floor).</summary>
    Resolved,

    /// <summary>Smaller by more than the smallest detectable change.</summary>
    Improving,

    /// <summary>Within the smallest detectable change.</summary>
    Stable,

    /// <summary>Larger by more than the smallest detectable change.</summary>
    Worsening,

    /// <summary>Edema gone from one bone or region and appeared in another (the joint as a whole).</summary>
    Migrated,

    /// <summary>Edema where there was none.</summary>
    New,
}
