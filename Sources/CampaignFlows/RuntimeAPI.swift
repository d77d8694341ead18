/// Generated flows declare a type conforming to this protocol: a generator and a runtime that disagree on
/// the API fail at compile time, not at run time. The number changes whenever generated code would need
/// a different runtime.
///
/// Version 4: steps speak the vocabulary's enums rather than strings: a send is ``StepResult/send(_:next:)``
/// with a ``FlowSend``, an end ``StepResult/end(_:)`` with an ``Outcome`` (a state the flow lacks is
/// ``StepResult/stop``), actions name ``MessageChannel``s, ``FlowContext/subscribed(_:)`` takes one and
/// ``FlowContext/waitUntil(days:from:to:)`` takes ``Weekday``s; and `wait_for` steps (language v1.2) return
/// ``StepResult/waitFor(until:next:timeout:)`` while the engine asks ``CampaignFlow/awaitedHolds(_:_:)``
/// whether what they wait for holds; and the engine asks ``CampaignFlow/goalHolds(_:)`` whether a campaign's
/// goal (language v1.2) holds. Within version 4, `webhook` steps return the action
/// ``FlowAction/webhook(destination:fields:)`` and `start_campaign` and `exit_campaign` steps return
/// ``StepResult/engine``, the engine reading what they name from the lowered form. Files generated for
/// version 3 must be generated again.
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
