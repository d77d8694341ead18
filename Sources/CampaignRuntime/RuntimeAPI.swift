/// Generated flows declare a type conforming to this protocol: a generator and a runtime that disagree on
/// the API fail at compile time, not at run time. The number changes whenever generated code would need
/// a different runtime.
///
/// Version 4: `wait_for` steps (language v1.2) return ``StepResult/waitFor(until:next:timeout:)`` and the
/// engine asks ``CampaignFlow/awaitedHolds(_:_:)`` whether what they wait for holds; files generated for
/// version 3 lack that answer and must be generated again.
///
/// Version 3: ``CampaignFlow/triggerFilter(_:_:)`` names the event trigger it asks about, for campaigns with
/// several triggers (language v1.2). Version 2 embedded the lowered form as text (``EmbeddedFlowDefinition``)
/// and ran the steps that test no condition through ``FlowInterpreter``, as version 3 still does; files
/// generated for versions 1 and 2 answer a single trigger's filter, which this runtime no longer asks, so
/// their check fails and they must be generated again.
public protocol CampaignRuntimeAPIVersion4 {}

/// The API version generated code checks, by name.
public enum CampaignRuntimeAPI {
    public static let versionName = "CampaignRuntimeAPIVersion4"
}
