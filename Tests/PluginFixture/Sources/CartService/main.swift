import CampaignFlows
import CampaignRuntime

// Runs the plugin-compiled campaign for one contact and prints what was sent.
let clock = VirtualClock(now: 0)
let channels = RecordingChannels()
let engine = try await CampaignEngine(flows: CompiledCampaigns.all, channels: channels, clock: clock)
try await engine.upsertContact(ContactProfile(id: "c1", fields: ["email": .string("c1@example.com")]))
try await engine.handle(event: "cart_abandoned", contact: "c1", payload: ["total": .decimal(30)])
try await engine.runTimers(upTo: 7200)
for request in channels.performed { print("\(request.key): \(request.action)") }
