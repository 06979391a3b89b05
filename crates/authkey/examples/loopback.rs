//! A toy MTProto-2.0-encrypted echo over TCP on 127.0.0.1: the server keeps auth keys in an
//! `AuthKeyManager` (Redis when `KEYAUTH_REDIS_URL` is set and the `redis` feature is on,
//! memory otherwise), looks each packet's key up by its auth_key_id, decrypts it, and answers
//! server→client with the same body. Frames are a 4-byte little-endian length and the packet.
//!
//! `cargo run -p authkey --example loopback [--features redis]`
#![allow(clippy::unwrap_used, reason = "example")]

use std::sync::Arc;
use std::time::Duration;

use authkey::{AuthKey, AuthKeyManager, Direction, Error, InnerMessage, MemoryAuthKeyManager};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MAX_FRAME: usize = 1 << 20;

async fn read_frame(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let len = s.read_u32_le().await? as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other("frame too large"));
    }
    let mut buf = vec![0; len];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame(s: &mut TcpStream, packet: &[u8]) -> std::io::Result<()> {
    s.write_u32_le(u32::try_from(packet.len()).unwrap()).await?;
    s.write_all(packet).await
}

fn message(session_id: i64, msg_id: i64, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&0i64.to_le_bytes());
    m.extend_from_slice(&session_id.to_le_bytes());
    m.extend_from_slice(&msg_id.to_le_bytes());
    m.extend_from_slice(&1i32.to_le_bytes());
    m.extend_from_slice(&i32::try_from(body.len()).unwrap().to_le_bytes());
    m.extend_from_slice(body);
    m
}

/// One connection: bounded number of packets, each answered or refused.
async fn serve(manager: Arc<dyn AuthKeyManager>, mut s: TcpStream) -> Result<(), Error> {
    for _ in 0..100 {
        let Ok(packet) = read_frame(&mut s).await else {
            return Ok(());
        };
        let key = manager
            .get_key(authkey::packet_auth_key_id(&packet)?)
            .await?;
        let plain = key.decrypt(Direction::ClientToServer, &packet)?;
        let msg = InnerMessage::parse(&plain)?;
        let reply = message(msg.session_id, msg.msg_id | 1, msg.message_data);
        let out = key.encrypt(Direction::ServerToClient, &reply)?;
        write_frame(&mut s, &out)
            .await
            .map_err(|e| Error::Unavailable {
                reason: e.kind().to_string(),
            })?;
    }
    Ok(())
}

async fn manager() -> Arc<dyn AuthKeyManager> {
    #[cfg(feature = "redis")]
    if let Ok(url) = std::env::var("KEYAUTH_REDIS_URL") {
        let opts = keyauth_core::RedisOptions::new(url);
        println!("keys in Redis");
        return Arc::new(
            authkey::RedisAuthKeyManager::new(&opts)
                .unwrap()
                .with_prefix("example:authkey:"),
        );
    }
    println!("keys in memory");
    Arc::new(MemoryAuthKeyManager::new())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let manager = manager().await;
    // The handshake's result, known to both sides.
    let mut bytes = [0u8; 256];
    keyauth_core::random::fill(&mut bytes).unwrap();
    let key = AuthKey::from_bytes(&bytes);
    manager.set_key(key.clone()).await.unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_manager = manager.clone();
    let server = tokio::spawn(async move {
        let (s, _) = listener.accept().await.unwrap();
        serve(server_manager, s).await
    });

    let mut client = TcpStream::connect(addr).await.unwrap();
    for (i, body) in [&b"ping"[..], b"hello, world", b""].into_iter().enumerate() {
        let msg_id = 7_301_444_403_202_934_736 + 4 * i as i64;
        let packet = key
            .encrypt(Direction::ClientToServer, &message(42, msg_id, body))
            .unwrap();
        write_frame(&mut client, &packet).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(5), read_frame(&mut client))
            .await
            .unwrap()
            .unwrap();
        let plain = key.decrypt(Direction::ServerToClient, &answer).unwrap();
        let reply = InnerMessage::parse(&plain).unwrap();
        assert_eq!(reply.message_data, body);
        assert_eq!(reply.msg_id, msg_id | 1);
        println!(
            "echoed {:?} ({} bytes on the wire)",
            String::from_utf8_lossy(body),
            answer.len()
        );
    }
    // A packet for a key the server does not know is refused.
    let stranger = AuthKey::from_bytes(&[9; 256]);
    let packet = stranger
        .encrypt(Direction::ClientToServer, &message(1, 4, b"x"))
        .unwrap();
    write_frame(&mut client, &packet).await.unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap()
        .unwrap();
    println!("server closed the connection: {result:?}");
    assert!(matches!(result, Err(Error::AuthKeyDoesNotExist { .. })));
    manager.del_key((&key).into()).await.unwrap();
}
