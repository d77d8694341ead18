import CampaignFlows
@testable import CampaignRuntime
import Testing

/// `IdempotencyKey(parsing:)`: the key a send carries to its provider (`campaignc_key`) and back.
@Suite struct IdempotencyKeyTests {
    @Test func aKeyReadsIntoItsParts() throws {
        let key = try #require(IdempotencyKey(parsing: "c1/abandoned-cart/v2/email_f#2/1"))
        #expect(key.visit == VisitKey(contact: "c1", flow: FlowKey(campaign: "abandoned-cart", version: 2), number: 1))
        #expect(key.stepID == "email_f")
        #expect(key.occurrence == 2)
        #expect(key.step == "email_f#2")
        #expect(key.description == "c1/abandoned-cart/v2/email_f#2/1")
    }

    @Test func aContactIdWithSlashesIsReadFromTheRight() throws {
        let key = try #require(IdempotencyKey(parsing: "shop/eu/c/42/welcome/v10/email_a/3"))
        #expect(key.visit.contact == "shop/eu/c/42")
        #expect(key.visit.flow == FlowKey(campaign: "welcome", version: 10))
        #expect(key.stepID == "email_a" && key.occurrence == 1 && key.visit.number == 3)
    }

    @Test func theKeysTheEngineWritesReadBack() throws {
        // Keys made by the runtime itself, for a first action and for a later one when a visit loops back.
        var visit = Visit(key: VisitKey(contact: "a/b", flow: FlowKey(campaign: "win-back", version: 3), number: 7),
                          state: 0, phase: .running, enteredAt: 0, triggerPayload: [:])
        let first = visit.nextActionKey(state: 4, step: "email_1")
        let second = visit.nextActionKey(state: 4, step: "email_1")
        for (written, occurrence) in [(first, 1), (second, 2)] {
            let key = try #require(IdempotencyKey(parsing: written.description))
            #expect(key.visit == written.visit)
            #expect(key.stepID == "email_1" && key.occurrence == occurrence && key.step == written.step)
            #expect(key.description == written.description)
        }
    }

    @Test func malformedKeysAreNil() {
        for text in ["", "c1", "c1/abandoned-cart/v2/email_f", "/abandoned-cart/v2/email_f/1", "c1//v2/email_f/1",
                     "c1/abandoned-cart/2/email_f/1", "c1/abandoned-cart/v0/email_f/1", "c1/abandoned-cart/v02/email_f/1",
                     "c1/abandoned-cart/v-2/email_f/1", "c1/abandoned-cart/v2//1", "c1/abandoned-cart/v2/email_f/0",
                     "c1/abandoned-cart/v2/email_f/x", "c1/abandoned-cart/v2/email_f/1/", "c1/abandoned-cart/v2/email_f#/1",
                     "c1/abandoned-cart/v2/email_f#1/1", "c1/abandoned-cart/v2/#2/1", "c1/abandoned-cart/v2/email_f/+1",
                     "c1/abandoned-cart/v99999999999999999999/email_f/1"] {
            #expect(IdempotencyKey(parsing: text) == nil, "\(text)")
        }
    }
}
