//! `keyauth authkey`: MTProto auth keys and MTProto 2.0 packets.

use std::path::{Path, PathBuf};

use authkey::{AuthKey, Direction, InnerMessage};
use serde_json::json;
use zeroize::Zeroizing;

use crate::exit::{CliError, Exit};
use crate::input::{self, SecretSource};
use crate::output::Output;

const KEY_ENV: &str = "KEYAUTH_AUTH_KEY_HEX";

/// Arguments of `keyauth authkey`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print a key's SHA-1 hash, its id in mtpylon, wire, Telethon and tdlib forms, and its
    /// aux hash. None of them reveals the key.
    #[command(after_help = "\
Examples:
  keyauth authkey inspect --key-file auth_key.bin          # 256 raw bytes
  keyauth authkey inspect --key-file auth_key.hex          # or 512 hex digits
  keyauth authkey inspect --key-int 32234234               # mtpylon's AuthKey(0x32234234)
  KEYAUTH_AUTH_KEY_HEX=$(xxd -p -c0 auth_key.bin) keyauth --json authkey inspect")]
    Inspect {
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Encrypt an MTProto 2.0 message (salt, session_id, msg_id, seq_no, length, body) into a
    /// packet, with random padding.
    #[command(after_help = "\
Examples:
  keyauth authkey encrypt --key-file auth_key.bin --direction client --in message.hex
  head -c 48 message.bin | keyauth authkey encrypt --key-file auth_key.bin --raw > packet.bin")]
    Encrypt {
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        io: PacketIo,
    },
    /// Decrypt an MTProto 2.0 packet and check its auth_key_id and msg_key.
    #[command(after_help = "\
Examples:
  keyauth authkey decrypt --key-file auth_key.bin --direction server --in packet.hex
  keyauth --json authkey decrypt --key-file auth_key.bin --in packet.hex   # with the parsed header

Exit 1 when the packet is for another key (auth_key_id) or fails its msg_key check.")]
    Decrypt {
        #[command(flatten)]
        key: KeyArgs,
        #[command(flatten)]
        io: PacketIo,
    },
    #[command(flatten)]
    Net(crate::authkey_net_cmd::NetCommand),
}

/// Where the key comes from: exactly one of these, or $KEYAUTH_AUTH_KEY_HEX (512 hex digits).
#[derive(Debug, clap::Args)]
#[group(multiple = false)]
struct KeyArgs {
    /// A file with the key: 256 raw bytes, or 512 hex digits.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// The key as 512 hex digits (visible to `ps`: prefer --key-file or the variable).
    #[arg(long)]
    key_hex: Option<String>,
    /// The key as mtpylon's integer, in hexadecimal (leading zeros dropped).
    #[arg(long, allow_hyphen_values = true)]
    key_int: Option<String>,
}

#[derive(Debug, clap::Args)]
struct PacketIo {
    /// Which way the packet travels: `client` (client to server) or `server`.
    #[arg(long, value_enum, default_value_t = DirectionArg::Client)]
    direction: DirectionArg,
    /// Input file (`-` or absent: stdin).
    #[arg(long = "in", value_name = "FILE")]
    input: Option<PathBuf>,
    /// Read and write raw bytes instead of hex text.
    #[arg(long)]
    raw: bool,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum DirectionArg {
    /// Client to server (x = 0).
    Client,
    /// Server to client (x = 8).
    Server,
}

impl From<DirectionArg> for Direction {
    fn from(d: DirectionArg) -> Self {
        match d {
            DirectionArg::Client => Self::ClientToServer,
            DirectionArg::Server => Self::ServerToClient,
        }
    }
}

pub(crate) fn run(args: Args, out: &Output) -> Result<Exit, CliError> {
    match args.command {
        Command::Net(cmd) => crate::authkey_net_cmd::run(cmd, out),
        Command::Inspect { key } => {
            let key = auth_key(&key)?;
            let hash = hex::encode(key.hash());
            let value = json!({
                "sha1": hash,
                "id": key.id().to_string(),
                "id_hex": format!("{:016x}", key.id()),
                "wire_key_id_hex": hex::encode(key.key_id_bytes()),
                "telethon_key_id": key.telethon_key_id().to_string(),
                "tdlib_auth_key_id": key.tdlib_key_id().to_string(),
                "aux_hash": key.aux_hash().to_string(),
                "aux_hash_hex": hex::encode(key.aux_hash_bytes()),
            });
            let text = format!(
                "sha1             {hash}\n\
                 id (mtpylon)     {} (0x{:016x})\n\
                 auth_key_id      {} (wire bytes)\n\
                 telethon key_id  {}\n\
                 tdlib key_id     {}\n\
                 aux_hash         {} (0x{})\n",
                key.id(),
                key.id(),
                hex::encode(key.key_id_bytes()),
                key.telethon_key_id(),
                key.tdlib_key_id(),
                key.aux_hash(),
                hex::encode(key.aux_hash_bytes()),
            );
            out.emit(&value, &text)?;
            Ok(Exit::Ok)
        }
        Command::Encrypt { key, io } => {
            let key = auth_key(&key)?;
            let plaintext = read_data(&io)?;
            let packet = key.encrypt(io.direction.into(), &plaintext)?;
            write_data(
                out,
                &io,
                &packet,
                json!({"packet_hex": hex::encode(&packet)}),
            )?;
            Ok(Exit::Ok)
        }
        Command::Decrypt { key, io } => {
            let key = auth_key(&key)?;
            let packet = read_data(&io)?;
            let plaintext = key.decrypt(io.direction.into(), &packet)?;
            // The header parse is informative: a message of another layout still decrypts.
            // 64-bit fields are strings: JSON readers often hold numbers as doubles.
            let inner = InnerMessage::parse(&plaintext).ok().map(|m| {
                json!({
                    "salt": m.salt.to_string(),
                    "session_id": m.session_id.to_string(),
                    "msg_id": m.msg_id.to_string(),
                    "seq_no": m.seq_no,
                    "message_data_hex": hex::encode(m.message_data),
                    "padding_len": m.padding_len,
                })
            });
            let doc = json!({"plaintext_hex": hex::encode(&*plaintext), "inner": inner});
            write_data(out, &io, &plaintext, doc)?;
            Ok(Exit::Ok)
        }
    }
}

fn auth_key(args: &KeyArgs) -> Result<AuthKey, CliError> {
    if let Some(int) = &args.key_int {
        return Ok(AuthKey::from_int_hex(int.trim())?);
    }
    let bytes = match (&args.key_file, &args.key_hex) {
        (Some(path), _) => {
            let raw = SecretSource::file(path, "auth key")
                .bytes()?
                .unwrap_or_default();
            if raw.len() == authkey::AUTH_KEY_LEN {
                raw
            } else {
                // Not 256 raw bytes: a hex text file, or an error naming the length.
                match std::str::from_utf8(&raw) {
                    Ok(text) if text.trim().len() == 2 * authkey::AUTH_KEY_LEN => {
                        input::hex_bytes(text, "auth key file")?
                    }
                    _ => {
                        return Err(CliError::input(
                            "invalid_key_length",
                            format!(
                                "auth key file must hold 256 raw bytes or 512 hex digits, got {} bytes",
                                raw.len()
                            ),
                        ));
                    }
                }
            }
        }
        (None, Some(hex)) => input::hex_bytes(hex, "--key-hex")?,
        (None, None) => {
            let text = SecretSource {
                flag: None,
                file: None,
                env: Some(KEY_ENV),
                what: "auth key",
            }
            .text()?;
            input::hex_bytes(&text, KEY_ENV)?
        }
    };
    Ok(AuthKey::from_slice(&bytes)?)
}

fn read_data(io: &PacketIo) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let raw = input::read_file(io.input.as_deref().unwrap_or(Path::new("-")), "input")?;
    if io.raw {
        return Ok(raw);
    }
    let text = std::str::from_utf8(&raw)
        .map_err(|_| CliError::input("bad_hex", "input is not hex text (use --raw for bytes)"))?;
    let compact: Zeroizing<String> =
        Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
    input::hex_bytes(&compact, "input")
}

/// Writes bytes (raw or as hex) or, with `--json`, the document.
fn write_data(
    out: &Output,
    io: &PacketIo,
    bytes: &[u8],
    doc: serde_json::Value,
) -> Result<(), CliError> {
    if out.is_json() || !io.raw {
        out.emit(&doc, &hex::encode(bytes))?;
        return Ok(());
    }
    crate::output::write_stdout(bytes)
}
