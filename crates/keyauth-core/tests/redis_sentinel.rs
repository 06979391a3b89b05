//! RedisReplayGuard through Redis Sentinel: a durable master, one replica, one Sentinel
//! (private processes on 127.0.0.1). The guard finds the master through the Sentinel, waits
//! for the replica by default, and after the master is killed follows the failover to the
//! promoted replica with typed errors in between; a mark acknowledged before the kill is
//! still refused after it.
#![cfg(feature = "redis")]
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::time::{Duration, Instant};

use keyauth_core::{
    Clock, DEFAULT_WAIT, RedisOptions, RedisReplayGuard, ReplayError, ReplayGuard, SystemClock,
};
use keyauth_testkit::{
    RedisSentinel, RedisServer, redis_cluster_tools_available, redis_server_available,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sentinel_master_failover_is_followed_without_losing_marks() {
    if !redis_server_available() || !redis_cluster_tools_available() {
        return;
    }
    let mut master = RedisServer::start().unwrap();
    let replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &master.port().to_string()]).unwrap();
    let sentinel = RedisSentinel::start(master.port()).unwrap();
    let opts = RedisOptions::parse(&format!(
        "redis+sentinel://{}/mymaster",
        sentinel
            .url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
    ))
    .unwrap()
    .connect_timeout(Duration::from_millis(500))
    .response_timeout(Duration::from_secs(2))
    .retries(0);
    assert_eq!(opts.replicas_to_wait_for(), Some(DEFAULT_WAIT));
    let guard = RedisReplayGuard::new(&opts).unwrap();
    let until = SystemClock.now().saturating_add(600);

    // The replica may still be syncing: bounded tries until WAIT 1 is acknowledged. (A
    // timed-out try wrote its mark on the master only, and refused the token: held or not,
    // it was never accepted.)
    let mut synced = false;
    for i in 0..100 {
        match guard
            .check_and_mark(format!("warm-{i}").as_bytes(), until)
            .await
        {
            Ok(()) => {
                synced = true;
                break;
            }
            Err(ReplayError::Redis(f)) if f.code() == "redis_replication_timeout" => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(synced, "the replica never acknowledged");
    assert_eq!(guard.check_and_mark(b"before", until).await, Ok(()));
    assert_eq!(
        guard.check_and_mark(b"before", until).await,
        Err(ReplayError::Replayed)
    );

    let deadline = Instant::now() + Duration::from_secs(25);
    while !sentinel.knows_replica(replica.port()) {
        assert!(
            Instant::now() < deadline,
            "the Sentinel never saw the replica"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let old = master.port();
    master.stop();
    let killed = Instant::now();
    let mut codes = std::collections::BTreeSet::new();
    let mut recovered = None;
    let mut i = 0;
    while killed.elapsed() < Duration::from_secs(45) {
        i += 1;
        match guard
            .check_and_mark(format!("during-{i}").as_bytes(), until)
            .await
        {
            Ok(()) => {
                recovered = Some(killed.elapsed());
                break;
            }
            Err(ReplayError::Redis(f)) => {
                assert!(
                    f.is_topology_change() || f.code() == "redis_replication_timeout",
                    "{f:?}"
                );
                codes.insert(f.code());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{e:?}"),
        }
        // With WAIT 1 the promoted replica has no replica of its own: bring the old master
        // back (it rejoins as a replica) once the Sentinel has switched.
        if sentinel.master_port() == Some(replica.port()) && master.pid().is_none() {
            master.restart_as_replica_of(replica.port()).unwrap();
        }
    }
    let took = recovered.unwrap_or_else(|| {
        panic!(
            "the guard did not follow the failover: {codes:?}, sentinel names {:?} (replica {})",
            sentinel.master_port(),
            replica.port()
        )
    });
    println!(
        "sentinel failover: typed errors {codes:?}, guard recovered {} ms after the kill",
        took.as_millis()
    );
    // The Sentinel names a master other than the killed one (usually the promoted replica).
    println!(
        "sentinel names {:?} (killed {old}, replica {})",
        sentinel.master_port(),
        replica.port()
    );
    // Acknowledged (and replicated) before the kill: still refused on the new master.
    assert_eq!(
        guard.check_and_mark(b"before", until).await,
        Err(ReplayError::Replayed)
    );
}
