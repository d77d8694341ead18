/// Generated flows declare a type conforming to this protocol: a generator and a runtime that disagree on
/// the API fail at compile time, not at run time. The number changes whenever generated code would need
/// a different runtime.
public protocol CampaignRuntimeAPIVersion1 {}

/// Version 2: generated flows embed their lowered form as text (``EmbeddedFlowDefinition``) and run the
/// steps that test no condition through ``FlowInterpreter``. A runtime implementing it still implements
/// version 1, so files generated for either build.
public protocol CampaignRuntimeAPIVersion2 {}

/// The API version generated code checks, by name.
public enum CampaignRuntimeAPI {
    public static let versionName = "CampaignRuntimeAPIVersion2"
}
