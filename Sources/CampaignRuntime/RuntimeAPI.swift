/// Generated flows declare a type conforming to this protocol: a generator and a runtime that disagree on
/// the API fail at compile time, not at run time. The number changes whenever generated code would need
/// a different runtime.
public protocol CampaignRuntimeAPIVersion1 {}

/// The API version generated code checks, by name.
public enum CampaignRuntimeAPI {
    public static let versionName = "CampaignRuntimeAPIVersion1"
}
