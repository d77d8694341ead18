import CampaignChannels
import Foundation
import Testing

/// `channels:` entries: decoded as written, secrets read from the environment handed in, and every mistake
/// named by its entry and variable without showing a secret.
@Suite struct ChannelConfigurationTests {
    let environment = ["EMAIL_HOOK_SECRET": "email-secret-value", "ACTIONS_HOOK_SECRET": "actions-secret-value"]

    func decode(_ json: String) throws -> [String: ChannelConfiguration] {
        try JSONDecoder().decode([String: ChannelConfiguration].self, from: Data(json.utf8))
    }

    @Test func entriesAreDecodedAndResolved() throws {
        let channels = try decode("""
            { "email":   { "kind": "webhook", "url": "http://127.0.0.1:9000/email", "secret_env": "EMAIL_HOOK_SECRET" },
              "default": { "kind": "webhook", "url": "https://hooks.example.com/actions", "secret_env": "ACTIONS_HOOK_SECRET" } }
            """)
        #expect(channels["email"] == ChannelConfiguration(kind: "webhook", url: "http://127.0.0.1:9000/email", secretEnv: "EMAIL_HOOK_SECRET"))
        let endpoints = try ChannelConfiguration.endpoints(channels, environment: environment)
        #expect(endpoints.map(\.name) == ["default", "email"])
        #expect(endpoints.map(\.url.absoluteString) == ["https://hooks.example.com/actions", "http://127.0.0.1:9000/email"])
    }

    /// The secret resolved is the one the endpoint signs with.
    @Test func theSecretComesFromTheEnvironment() async throws {
        let receiver = try await TestReceiver.start()
        let configuration = ChannelConfiguration(kind: "webhook", url: try receiver.url("/email").absoluteString,
                                                 secretEnv: "EMAIL_HOOK_SECRET")
        let endpoint = try configuration.endpoint(named: "email", environment: environment)
        try await Fixtures.withRouter([endpoint]) { router in
            try await router.perform(Fixtures.request(Fixtures.cartReminder))
        }
        try await receiver.stop()
        let request = try #require(receiver.requests.first)
        let signature = request.headers[WebhookSignature.headerName].first ?? ""
        try WebhookSignature.verify(signature, body: request.body, secret: "email-secret-value")
    }

    @Test func anUnknownKindNamesTheEntry() throws {
        let channels = try decode(#"{ "sms": { "kind": "smtp", "url": "http://127.0.0.1:9000/sms", "secret_env": "EMAIL_HOOK_SECRET" } }"#)
        #expect(throws: ChannelConfigurationError.unknownKind(entry: "sms", kind: "smtp")) {
            try ChannelConfiguration.endpoints(channels, environment: environment)
        }
        #expect("\(ChannelConfigurationError.unknownKind(entry: "sms", kind: "smtp"))"
            == "channel 'sms' has unknown kind 'smtp' (known: webhook)")
    }

    @Test func aMissingVariableNamesTheEntryAndTheVariable() throws {
        let configuration = ChannelConfiguration(kind: "webhook", url: "http://127.0.0.1:9000/push", secretEnv: "PUSH_HOOK_SECRET")
        #expect(throws: ChannelConfigurationError.missingSecret(entry: "push", variable: "PUSH_HOOK_SECRET")) {
            try configuration.endpoint(named: "push", environment: environment)
        }
        #expect("\(ChannelConfigurationError.missingSecret(entry: "push", variable: "PUSH_HOOK_SECRET"))"
            == "channel 'push' needs the environment variable 'PUSH_HOOK_SECRET' (secret_env), which is not set")
        #expect(throws: ChannelConfigurationError.emptySecret(entry: "push", variable: "PUSH_HOOK_SECRET")) {
            try configuration.endpoint(named: "push", environment: ["PUSH_HOOK_SECRET": ""])
        }
    }

    @Test(arguments: ["not a url", "ftp://127.0.0.1/actions", "http://", "/actions", ""])
    func aURLThatIsNotHTTPIsRefused(url: String) {
        let configuration = ChannelConfiguration(kind: "webhook", url: url, secretEnv: "EMAIL_HOOK_SECRET")
        #expect(throws: ChannelConfigurationError.invalidURL(entry: "email", url: url)) {
            try configuration.endpoint(named: "email", environment: environment)
        }
    }

    @Test func anEntryWithoutItsVariableIsADecodingError() {
        #expect(throws: DecodingError.self) {
            try decode(#"{ "email": { "kind": "webhook", "url": "http://127.0.0.1:9000/email" } }"#)
        }
    }

    /// Printing, dumping or interpolating an endpoint never shows its secret.
    @Test func anEndpointNeverShowsItsSecret() throws {
        let endpoint = try ChannelConfiguration(kind: "webhook", url: "http://127.0.0.1:9000/email", secretEnv: "EMAIL_HOOK_SECRET")
            .endpoint(named: "email", environment: environment)
        var dumped = ""
        dump(endpoint, to: &dumped)
        for text in [String(describing: endpoint), String(reflecting: endpoint), "\(endpoint)", dumped, "\([endpoint])"] {
            #expect(text.contains("http://127.0.0.1:9000/email"))
            #expect(!text.contains("email-secret-value"), "\(text)")
        }
    }
}
