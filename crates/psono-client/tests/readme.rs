//! The README's client example, run against the test server (the doctest is `no_run`: it
//! needs a server). Only the configuration source differs: the same variables, given through
//! `Config::from_vars` instead of the process environment.
#![cfg(feature = "reqwest")]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod server;

use psono_client::{Client, Config, Error};

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
    let session = client.login().await?;
    let datastore = session.password_datastore().await?;
    let tree = session.tree(&datastore).await?;
    let mut listed = Vec::new();
    for entry in &tree.entries {
        listed.push(format!("{} ({})", entry.path.join("/"), entry.kind));
    }
    assert_eq!(listed[0], "Example (website_password)");
    assert_eq!(listed[4], "Team/Nested/2FA (totp)");
    let secret = session
        .secret("4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff")
        .await?;
    let password = secret.field_str("website_password_password")?;
    assert_eq!(password, Some("pä$$ wörd 🔑"));
    session.logout().await?;

    let secret = client
        .api_key_access_secret("4f1a90be-48bc-4dae-9c76-3a17ca7fa6ff")
        .await?;
    assert_eq!(
        secret.field_str("website_password_username")?,
        Some("alice")
    );
    assert_eq!(srv.tokens(), 0);
    Ok(())
}
