//! Unit tests of typed secrets.
#![allow(clippy::unwrap_used)]

use super::*;
use serde_json::json;

fn data(v: Value) -> SecretData {
    SecretData::from_fields(v.as_object().unwrap().clone())
}

/// What psonoci writes back after updating an application secret: every field of every
/// type present, website fields first, nearly all null.
fn psonoci_written() -> SecretData {
    let mut m = Map::new();
    for t in SecretType::ALL {
        for f in t.fields() {
            m.insert((*f).to_owned(), Value::Null);
        }
    }
    m.insert("application_password_password".into(), json!("hunter2"));
    m.insert("application_password_title".into(), json!("db"));
    SecretData::from_fields(m)
}

#[test]
fn null_fields_never_decide_the_type() {
    let s = Secret::new(psonoci_written(), None).unwrap();
    assert_eq!(s.kind(), SecretType::ApplicationPassword);
    let pw = FieldName::parse("password").unwrap();
    assert_eq!(s.get(&pw).unwrap(), "hunter2");
    assert_eq!(
        s.get(&FieldName::parse("notes").unwrap()).unwrap_err(),
        Error::FieldNotSet {
            field: "notes".into(),
            secret_type: "application_password"
        }
    );
    // The entry's type wins over the fields.
    let s = Secret::new(psonoci_written(), Some("website_password")).unwrap();
    assert_eq!(s.kind(), SecretType::WebsitePassword);
    assert!(matches!(s.get(&pw), Err(Error::FieldNotSet { .. })));
}

#[test]
fn empty_secrets_fall_back_to_present_fields() {
    let s = Secret::new(data(json!({"note_title": "", "note_notes": ""})), None).unwrap();
    assert_eq!(s.kind(), SecretType::Note);
    assert_eq!(
        Secret::new(data(json!({"x": 1})), None).unwrap_err(),
        Error::UnknownSecretType
    );
    assert_eq!(
        Secret::new(data(json!({"website_password_title": null})), None).unwrap_err(),
        Error::UnknownSecretType
    );
}

#[test]
fn names_map_per_type() {
    let n = |s: &str| FieldName::parse(s).unwrap();
    assert_eq!(
        n("password")
            .psono_field(SecretType::WebsitePassword)
            .as_deref(),
        Some("website_password_password")
    );
    assert_eq!(
        n("totp").psono_field(SecretType::Totp).as_deref(),
        Some("totp_code")
    );
    assert_eq!(
        n("totp_code")
            .psono_field(SecretType::WebsitePassword)
            .as_deref(),
        Some("website_password_totp_code")
    );
    assert_eq!(
        n("env-vars")
            .psono_field(SecretType::EnvironmentVariables)
            .as_deref(),
        Some("environment_variables_variables")
    );
    assert_eq!(
        n("GPG_KEY_PRIVATE")
            .psono_field(SecretType::MailGpgOwnKey)
            .as_deref(),
        Some("mail_gpg_own_key_private")
    );
    assert_eq!(n("gpg_key_private").psono_field(SecretType::Note), None);
    assert_eq!(n("username").psono_field(SecretType::Note), None);
    assert_eq!(
        n("identity_first_name")
            .psono_field(SecretType::Identity)
            .as_deref(),
        Some("identity_first_name")
    );
    assert_eq!(
        n("title").psono_field(SecretType::Identity).as_deref(),
        Some("identity_title")
    );
    assert_eq!(
        n("website_password_url"),
        FieldName::Raw("website_password_url".into())
    );
    assert_eq!(n("JSON"), FieldName::Json);
    assert_eq!(n("secret-type"), FieldName::SecretType);
    assert!(matches!(
        FieldName::parse("pasword"),
        Err(Error::UnknownField { .. })
    ));
    assert_eq!(display_name("note_title", SecretType::Note), "title");
    assert_eq!(display_name("custom", SecretType::Note), "custom");
}

#[test]
fn psonoci_json_shape() {
    let s = Secret::new(
        data(
            json!({"totp_title": "2FA", "totp_period": 30, "totp_algorithm": "SHA1",
                    "totp_digits": 6, "totp_code": "JBSWY3DPEHPK3PXP"}),
        ),
        None,
    )
    .unwrap();
    let j = s.psonoci_json();
    let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted);
    assert_eq!(j["type"], "totp");
    assert_eq!(
        j["totp"],
        json!({"algorithm": "SHA1", "code": "JBSWY3DPEHPK3PXP", "digits": 6, "period": 30})
    );
    assert_eq!(j["title"], "2FA");
    assert_eq!(j["identity"], Value::Null);
    assert_eq!(j["password"], Value::Null);
}

#[test]
fn env_vars_round_trip() {
    let mut s = Secret::new(
        data(json!({"environment_variables_title": "CI", "environment_variables_variables": null})),
        None,
    )
    .unwrap();
    assert!(s.env_vars().unwrap().is_empty());
    s.set_env_vars(&[EnvVar {
        key: "A".into(),
        value: Zeroizing::new("1".into()),
    }])
    .unwrap();
    assert_eq!(s.env_vars().unwrap()[0].value.as_str(), "1");
    let note = Secret::new(data(json!({"note_title": "n"})), None).unwrap();
    assert_eq!(
        note.env_vars().unwrap_err(),
        Error::WrongSecretType {
            expected: "environment_variables",
            actual: "note"
        }
    );
}
