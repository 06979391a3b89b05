//! The README's client example, run against the test server (the doctest is `no_run`: it
//! needs a server). Only the configuration source differs: the same variables, given through
//! `Config::from_vars` instead of the process environment.
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod server;

use psono_client::{Client, Config, Error, FieldName, Via};

#[tokio::test]
async fn readme_client_example() -> Result<(), Error> {
    let srv = server::TestServer::start().await;
    let k = &srv.fixture.full;
    let vars = [
        ("PSONO_CI_SERVER_URL", srv.url.clone()),
        ("PSONO_CI_API_KEY_ID", k.id.clone()),
        ("PSONO_CI_API_SECRET_KEY_HEX", k.secret_key_hex.clone()),
        ("PSONO_CI_API_PRIVATE_KEY_HEX", k.private_key_hex.clone()),
        (
            "PSONO_CI_SERVER_SIGNATURE_HEX",
            srv.fixture.server_signature_hex.clone(),
        ),
    ];
    let env = |name: &str| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
    };

    let client = Client::new(Config::from_vars(env)?)?;

    let before = srv.state.requests.load(std::sync::atomic::Ordering::SeqCst);
    let (secret, source) = client
        .read_secret("4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff", Via::Auto)
        .await?;
    assert_eq!(source, psono_client::Source::ApiKeyAccess);
    assert_eq!(secret.kind().item_type(), "website_password");
    let password = secret.get(&FieldName::parse("password")?)?;
    assert_eq!(password, "pä$$ wörd 🔑");
    assert_eq!(
        srv.state.requests.load(std::sync::atomic::Ordering::SeqCst) - before,
        1
    );

    let before = srv.state.requests.load(std::sync::atomic::Ordering::SeqCst);
    let listed = client
        .with_session(async |session| {
            let tree = session.tree(&session.password_datastore().await?).await?;
            let mut listed = Vec::new();
            for entry in &tree.entries {
                listed.push(format!("{} ({})", entry.path.join("/"), entry.kind));
            }
            Ok::<_, Error>(listed)
        })
        .await?;
    assert_eq!(listed[0], "Example (website_password)");
    assert_eq!(listed[4], "Team/Nested/2FA (totp)");
    // login, datastore list, datastore, two shares, logout.
    assert_eq!(
        srv.state.requests.load(std::sync::atomic::Ordering::SeqCst) - before,
        6
    );
    assert_eq!(srv.tokens(), 0);
    Ok(())
}
