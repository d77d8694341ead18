import CampaignChannels
import CampaignProviders
import CampaignFlows
import CampaignRuntime
import Foundation

extension ServiceConfiguration {
    /// The `channels:` entries as the channel module reads them, with their secrets from `environment`: a
    /// router over them, or nil when there is none.
    func channelRouter(environment: [String: String], store: any CampaignStore) throws -> ChannelRouter? {
        guard !channels.isEmpty else { return nil }
        let entries = channels.mapValues { settings in
            ChannelConfiguration(kind: settings["kind"] ?? "", url: settings["url"] ?? "", secretEnv: settings["secret_env"] ?? "")
        }
        do {
            return try ChannelRouter(endpoints: try ChannelConfiguration.endpoints(entries, environment: environment), store: store)
        } catch {
            throw StartupError("campaignd.yaml, channels: \(error)")
        }
    }

    /// The `webhooks:` entries as verifiers, by provider, with their keys from `environment` (and SES's
    /// certificate from its file, relative to `folder`).
    func providerWebhooks(environment: [String: String], folder: String) throws -> [String: any ProviderWebhook] {
        var verifiers: [String: any ProviderWebhook] = [:]
        for (provider, settings) in webhooks {
            func secret(_ key: String) throws -> String {
                guard let variable = settings[key] else { throw StartupError("campaignd.yaml, webhooks.\(provider): '\(key)' is required") }
                guard let value = environment[variable], !value.isEmpty else {
                    throw StartupError("webhooks.\(provider) needs its secret in the environment variable \(variable), which is not set")
                }
                return value
            }
            do {
                switch provider {
                case "sendgrid": verifiers[provider] = try SendGridWebhook(publicKey: try secret("public_key_env"))
                case "mailgun": verifiers[provider] = try MailgunWebhook(signingKey: try secret("signing_key_env"))
                case "postmark": verifiers[provider] = try PostmarkWebhook(basicAuth: try secret("basic_auth_env"))
                case "ses":
                    guard let topic = settings["topic_arn"], let file = settings["certificate_file"] else {
                        throw StartupError("campaignd.yaml, webhooks.ses: 'topic_arn' and 'certificate_file' are required")
                    }
                    let path = file.hasPrefix("/") ? file : (folder as NSString).appendingPathComponent(file)
                    guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                        throw StartupError("webhooks.ses: cannot read the certificate '\(path)'")
                    }
                    verifiers[provider] = try SESWebhook(topicARN: topic, certificatePEM: pem)
                default:
                    throw StartupError("campaignd.yaml, webhooks: unknown provider '\(provider)' (sendgrid, mailgun, postmark or ses)")
                }
            } catch let error as ProviderConfigurationError {
                throw StartupError("webhooks.\(provider): \(error)")
            }
        }
        return verifiers
    }
}
