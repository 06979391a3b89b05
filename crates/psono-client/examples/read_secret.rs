//! Reads one field of one secret: `cargo run -p psono-client --features reqwest --example
//! read_secret -- <secret_id> <field>` with the `PSONO_CI_*` variables set.
//!
//! With `PSONO_CI_API_PRIVATE_KEY_HEX` and `PSONO_CI_SERVER_SIGNATURE_HEX` it logs in and
//! walks the datastore; without them it uses the sessionless `/api-key-access/secret/`.

use psono_client::{Client, Config, Error};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let (Some(secret_id), Some(field)) = (args.next(), args.next()) else {
        eprintln!("usage: read_secret <secret_id> <field>");
        std::process::exit(2);
    };
    let config = Config::from_env()?;
    let session_login = config.has_session_keys();
    let client = Client::new(config)?;
    let secret = if session_login {
        let session = client.login().await?;
        let secret = session.secret(&secret_id).await?;
        session.logout().await?;
        secret
    } else {
        client.api_key_access_secret(&secret_id).await?
    };
    match secret.field(&field)? {
        serde_json::Value::String(s) => println!("{s}"),
        other => println!("{other}"),
    }
    Ok(())
}
