//! Shared state that holds: the replay guard (keyauth-core) and the auth-key store (this crate)
//! shared by two *processes* through one durable Redis or a Redis Cluster, while Redis is
//! killed (SIGKILL) and restarted, or a Cluster master is killed and replaced by its replica.
//!
//! The test binary re-runs itself as the workers (`worker`, which only works when
//! `KA_WORKER_REDIS` is set). Every worker presents the same token ids (in opposite orders),
//! retrying an id until Redis answers, so each id gets one definite answer per worker: an id
//! both accepted is a replay accepted. Keys acknowledged by `set_key` must all be there at the
//! end. Every loop is bounded in count and time; the figures are printed.
#![cfg(feature = "redis")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failed test"
)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use authkey::{AuthKey, AuthKeyManager, Error, RedisAuthKeyManager};
use keyauth_core::{
    Clock, RedisFailure, RedisOptions, RedisReplayGuard, ReplayError, ReplayGuard, SystemClock,
};
use keyauth_testkit::{RedisCluster, RedisServer, redis_cluster_tools_available};

const TASKS: u64 = 8;

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn key_for(tag: &str, i: u64) -> AuthKey {
    let mut bytes = [0u8; 256];
    let seed = format!("{tag}:{i}");
    for (n, b) in bytes.iter_mut().enumerate() {
        let s = seed.as_bytes();
        *b = s[n % s.len()] ^ u8::try_from(n % 251).unwrap();
    }
    bytes[0] = 0x80;
    bytes[8..16].copy_from_slice(&i.to_be_bytes());
    AuthKey::from_bytes(&bytes)
}

fn options(spec: &str, prefix: &str, wait: Option<(u32, u64)>) -> RedisOptions {
    let mut o = RedisOptions::parse(spec)
        .unwrap()
        .prefix(prefix)
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_millis(1_000))
        .retries(1);
    match wait {
        Some((n, ms)) => o = o.wait_for_replicas(n, Duration::from_millis(ms)),
        None => o = o.no_wait(),
    }
    o
}

fn is_typed_outage(f: &RedisFailure) -> bool {
    !matches!(
        f,
        RedisFailure::Other { .. } | RedisFailure::BadConfig { .. }
    )
}

// ---------------------------------------------------------------------------------------------
// The worker half.

struct WorkerCfg {
    spec: String,
    prefix: String,
    tag: String,
    ids: u64,
    reverse: bool,
    secs: u64,
    out: PathBuf,
    wait: Option<(u32, u64)>,
    mode: String,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// The worker: runs for at most `KA_WORKER_SECS` (bounded even if the parent dies).
#[test]
fn worker() {
    let spec = env("KA_WORKER_REDIS");
    if spec.is_empty() {
        return;
    }
    let wait = env("KA_WORKER_WAIT");
    let cfg = WorkerCfg {
        spec,
        prefix: env("KA_WORKER_PREFIX"),
        tag: env("KA_WORKER_TAG"),
        ids: env("KA_WORKER_IDS").parse().unwrap(),
        reverse: env("KA_WORKER_REVERSE") == "1",
        secs: env("KA_WORKER_SECS").parse().unwrap(),
        out: PathBuf::from(env("KA_WORKER_OUT")),
        wait: wait
            .split_once(',')
            .map(|(n, ms)| (n.parse().unwrap(), ms.parse().unwrap())),
        mode: env("KA_WORKER_MODE"),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let out = cfg.out.clone();
    let lines = rt.block_on(async move {
        match cfg.mode.as_str() {
            "mark" => mark_worker(&cfg).await,
            "load_guard" | "load_raw" | "load_guard_wait" => load_worker(&cfg).await,
            m => panic!("unknown mode {m}"),
        }
    });
    let mut f = std::fs::File::create(&out).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

/// Presents ids, stores a key for every fourth, retries each until Redis answers.
async fn mark_worker(cfg: &WorkerCfg) -> Vec<String> {
    let opts = options(&cfg.spec, &cfg.prefix, cfg.wait);
    let guard = Arc::new(RedisReplayGuard::new(&opts).unwrap());
    let keys = Arc::new(
        RedisAuthKeyManager::new(&opts)
            .unwrap()
            .with_prefix(format!("{}keys:", cfg.prefix)),
    );
    let deadline = Instant::now() + Duration::from_secs(cfg.secs);
    let until = SystemClock.now().saturating_add(3_600);
    println!("READY");
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (guard, keys) = (guard.clone(), keys.clone());
        let (n, reverse, tag) = (cfg.ids, cfg.reverse, cfg.tag.clone());
        tasks.push(tokio::spawn(async move {
            let mut lines = Vec::new();
            let mut errors: BTreeMap<&'static str, u64> = BTreeMap::new();
            let mut outage: Option<u64> = None;
            let mut ids: Vec<u64> = (0..n).filter(|i| i % TASKS == t).collect();
            if reverse {
                ids.reverse();
            }
            'ids: for i in ids {
                let id = format!("tok-{i}");
                loop {
                    if Instant::now() > deadline {
                        break 'ids;
                    }
                    match guard.check_and_mark(id.as_bytes(), until).await {
                        Ok(()) => lines.push(format!("A {i}")),
                        Err(ReplayError::Replayed) => lines.push(format!("R {i}")),
                        Err(e) => {
                            *errors.entry(e.code()).or_default() += 1;
                            if let ReplayError::Redis(f) = &e {
                                assert!(is_typed_outage(f), "untyped refusal {f:?}");
                            }
                            outage.get_or_insert_with(unix_ms);
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            continue;
                        }
                    }
                    if let Some(start) = outage.take() {
                        lines.push(format!("O {start} {}", unix_ms()));
                    }
                    break;
                }
                if i % 4 == 0 {
                    let k = key_for(&tag, i);
                    loop {
                        if Instant::now() > deadline {
                            break 'ids;
                        }
                        match keys.set_key(k.clone()).await {
                            Ok(()) => {
                                lines.push(format!("K {tag} {i}"));
                                break;
                            }
                            Err(e) => {
                                *errors.entry(e.code()).or_default() += 1;
                                if let Error::Redis(f) = &e {
                                    assert!(is_typed_outage(f), "untyped refusal {f:?}");
                                }
                                outage.get_or_insert_with(unix_ms);
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                        }
                    }
                }
            }
            for (code, n) in errors {
                lines.push(format!("E {code} {n}"));
            }
            lines
        }));
    }
    let mut lines = Vec::new();
    for t in tasks {
        lines.extend(t.await.unwrap());
    }
    lines.push("DONE".into());
    lines
}

/// A plain redis-rs connection of the kind the stores use: the baseline.
enum Raw {
    Single(redis::aio::ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

async fn raw_connection(spec: &str) -> Raw {
    if spec.contains(',') {
        let seeds: Vec<&str> = spec.split(',').collect();
        let client = redis::cluster::ClusterClient::new(seeds).unwrap();
        Raw::Cluster(client.get_async_connection().await.unwrap())
    } else {
        let client = redis::Client::open(spec).unwrap();
        Raw::Single(redis::aio::ConnectionManager::new(client).await.unwrap())
    }
}

/// A bounded load loop: the guard, or a raw `SET NX EXAT` on the same kind of connection.
async fn load_worker(cfg: &WorkerCfg) -> Vec<String> {
    let opts = options(&cfg.spec, &cfg.prefix, cfg.wait);
    let guard = Arc::new(RedisReplayGuard::new(&opts).unwrap());
    let raw = Arc::new(raw_connection(&cfg.spec).await);
    // Connect (and read the settings) before the clock starts.
    let until = SystemClock.now().saturating_add(600);
    guard
        .check_and_mark(format!("{}warm", cfg.tag).as_bytes(), until)
        .await
        .unwrap();
    let raw_mode = cfg.mode == "load_raw";
    let deadline = Instant::now() + Duration::from_secs(cfg.secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (guard, raw, tag, max) = (guard.clone(), raw.clone(), cfg.tag.clone(), cfg.ids);
        let prefix = cfg.prefix.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let exat = until.as_secs() + 1;
            for i in 0..max / TASKS {
                if Instant::now() > deadline {
                    break;
                }
                let id = format!("{tag}-{t}-{i}");
                let t0 = Instant::now();
                if raw_mode {
                    let mut cmd = redis::cmd("SET");
                    cmd.arg(format!("{prefix}{id}"))
                        .arg(1)
                        .arg("NX")
                        .arg("EXAT")
                        .arg(exat);
                    let r: Option<String> = match &*raw {
                        Raw::Single(c) => cmd.query_async(&mut c.clone()).await.unwrap(),
                        Raw::Cluster(c) => cmd.query_async(&mut c.clone()).await.unwrap(),
                    };
                    assert!(r.is_some());
                } else {
                    guard.check_and_mark(id.as_bytes(), until).await.unwrap();
                }
                lat.push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_micros();
    lat.sort_unstable();
    let p99 = lat.get(lat.len() * 99 / 100).copied().unwrap_or(0);
    vec![format!("L {} {elapsed} {p99}", lat.len()), "DONE".into()]
}

// ---------------------------------------------------------------------------------------------
// The parent half.

struct Worker {
    child: Child,
    out: PathBuf,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
    }
}

#[derive(Default, Debug)]
struct Report {
    accepted: HashMap<u64, u32>,
    answered: u64,
    keys: Vec<(String, u64)>,
    errors: BTreeMap<String, u64>,
    outages: Vec<(u64, u64)>,
    load: Vec<(u64, u128, u64)>,
    done: usize,
}

#[allow(clippy::too_many_arguments)]
fn spawn_worker(
    spec: &str,
    prefix: &str,
    tag: &str,
    mode: &str,
    ids: u64,
    reverse: bool,
    secs: u64,
    wait: Option<(u32, u64)>,
) -> Worker {
    let out = std::env::temp_dir().join(format!(
        "keyauth-worker-{}-{tag}-{}.txt",
        std::process::id(),
        unix_ms()
    ));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "worker", "--nocapture", "--test-threads=1"])
        .env("KA_WORKER_REDIS", spec)
        .env("KA_WORKER_PREFIX", prefix)
        .env("KA_WORKER_TAG", tag)
        .env("KA_WORKER_MODE", mode)
        .env("KA_WORKER_IDS", ids.to_string())
        .env("KA_WORKER_REVERSE", if reverse { "1" } else { "0" })
        .env("KA_WORKER_SECS", secs.to_string())
        .env(
            "KA_WORKER_WAIT",
            wait.map(|(n, ms)| format!("{n},{ms}")).unwrap_or_default(),
        )
        .env("KA_WORKER_OUT", &out)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    if mode == "mark" {
        lines
            .by_ref()
            .take(50)
            .map_while(Result::ok)
            .find(|l| l.contains("READY"))
            .expect("worker started");
    }
    std::thread::spawn(move || lines.for_each(drop));
    Worker { child, out }
}

fn collect(workers: Vec<Worker>, limit: Duration) -> Report {
    let deadline = Instant::now() + limit;
    let mut report = Report::default();
    for mut w in workers {
        loop {
            if w.child.try_wait().unwrap().is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "worker did not finish in time");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            w.child.wait().unwrap().success(),
            "worker failed (panicked)"
        );
        let text = std::fs::read_to_string(&w.out).unwrap();
        for line in text.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            match f[0] {
                "A" => {
                    *report.accepted.entry(f[1].parse().unwrap()).or_default() += 1;
                    report.answered += 1;
                }
                "R" => report.answered += 1,
                "K" => report.keys.push((f[1].to_owned(), f[2].parse().unwrap())),
                "E" => {
                    *report.errors.entry(f[1].to_owned()).or_default() +=
                        f[2].parse::<u64>().unwrap()
                }
                "O" => report
                    .outages
                    .push((f[1].parse().unwrap(), f[2].parse().unwrap())),
                "L" => report.load.push((
                    f[1].parse().unwrap(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                )),
                "DONE" => report.done += 1,
                _ => {}
            }
        }
    }
    report
}

/// After the run: every accepted id must still be refused (its mark survived) and every
/// acknowledged key must still be there. Returns (marks lost, keys lost).
async fn verify(spec: &str, prefix: &str, report: &Report) -> (u64, u64) {
    let opts = options(spec, prefix, None);
    let guard = RedisReplayGuard::new(&opts).unwrap();
    let keys = RedisAuthKeyManager::new(&opts)
        .unwrap()
        .with_prefix(format!("{prefix}keys:"));
    let until = SystemClock.now().saturating_add(3_600);
    let mut marks_lost = 0;
    for &i in report.accepted.keys() {
        let id = format!("tok-{i}");
        let mut answer = None;
        for _ in 0..100 {
            match guard.check_and_mark(id.as_bytes(), until).await {
                Err(ReplayError::Redis(f)) if f.is_topology_change() => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => {
                    answer = Some(other);
                    break;
                }
            }
        }
        match answer {
            Some(Err(ReplayError::Replayed)) => {}
            Some(Ok(())) => marks_lost += 1,
            other => panic!("verification of {id}: {other:?}"),
        }
    }
    let mut keys_lost = 0;
    for (tag, i) in &report.keys {
        let k = key_for(tag, *i);
        match keys.get_key(k.id()).await {
            Ok(got) => assert_eq!(got, k),
            Err(Error::AuthKeyDoesNotExist { .. }) => keys_lost += 1,
            Err(e) => panic!("verification of key {tag} {i}: {e:?}"),
        }
    }
    (marks_lost, keys_lost)
}

fn replays(report: &Report) -> usize {
    report.accepted.values().filter(|&&n| n > 1).count()
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// Two processes x 8 tasks on one durable Redis (AOF, appendfsync always, noeviction), Redis
/// killed with SIGKILL mid-run and restarted: 0 replays accepted, 0 marks or keys lost.
#[test]
fn durable_single_node_survives_sigkill_and_restart() {
    if !keyauth_testkit::redis_server_available() {
        return;
    }
    let mut server = RedisServer::start().unwrap();
    let spec = server.url();
    let prefix = format!("faults:{}:", std::process::id());
    let ids = 4_000;
    let a = spawn_worker(&spec, &prefix, "a", "mark", ids, false, 40, None);
    let b = spawn_worker(&spec, &prefix, "b", "mark", ids, true, 40, None);
    std::thread::sleep(Duration::from_millis(700));
    let killed_at = unix_ms();
    server.stop();
    std::thread::sleep(Duration::from_millis(500));
    server.restart().unwrap();
    let restarted_at = unix_ms();
    let report = collect(vec![a, b], Duration::from_secs(60));
    assert_eq!(report.done, 2);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (marks_lost, keys_lost) = rt.block_on(verify(&spec, &prefix, &report));
    let recovered = report
        .outages
        .iter()
        .map(|&(_, end)| end)
        .max()
        .unwrap_or(restarted_at);
    println!(
        "durable single node, SIGKILL at +0 ms, restart at +{} ms: {} answers, {} ids accepted, \
         {} replays accepted, {} marks lost, {} of {} keys lost, errors while down {:?}, \
         recovery {} ms after restart",
        restarted_at - killed_at,
        report.answered,
        report.accepted.len(),
        replays(&report),
        marks_lost,
        keys_lost,
        report.keys.len(),
        report.errors,
        recovered.saturating_sub(restarted_at),
    );
    assert!(
        !report.outages.is_empty(),
        "the kill did not happen mid-run"
    );
    // Each worker got a definite answer for every id (an id whose mark was written but whose
    // reply was lost with the connection is refused to both: fail closed).
    assert_eq!(report.answered, 2 * ids, "every id answered by both");
    assert_eq!(replays(&report), 0);
    assert_eq!(marks_lost, 0);
    assert_eq!(keys_lost, 0);
}

/// Both stores across all slots of the Cluster `.ci/run` started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_both_stores_across_slots() {
    let Some(seeds) = keyauth_testkit::cluster_urls() else {
        return;
    };
    let opts =
        RedisOptions::cluster(seeds).prefix(format!("slots:{}:{}:", std::process::id(), unix_ms()));
    let guard = RedisReplayGuard::new(&opts).unwrap();
    let until = SystemClock.now().saturating_add(120);
    for i in 0..300 {
        let id = format!("id-{i}");
        assert_eq!(
            guard.check_and_mark(id.as_bytes(), until).await,
            Ok(()),
            "{id}"
        );
        assert_eq!(
            guard.check_and_mark(id.as_bytes(), until).await,
            Err(ReplayError::Replayed)
        );
    }
    let settings = guard.connection().server_settings().await.unwrap();
    assert_eq!(
        settings.len(),
        6,
        "every node's settings read: {settings:?}"
    );
    assert!(
        settings.iter().all(|s| s.problem().is_none()),
        "{settings:?}"
    );

    let m = RedisAuthKeyManager::new(&opts)
        .unwrap()
        .with_prefix(format!("{}keys:", opts.key_prefix()));
    let mut stored: Vec<u64> = Vec::new();
    for i in 0..60 {
        let k = key_for("slots", i);
        m.set_key(k.clone()).await.unwrap();
        assert_eq!(m.get_key(k.id()).await.unwrap(), k);
        stored.push(k.id());
    }
    stored.sort_unstable();
    // SCAN on every master finds them all (they are spread over the three).
    assert_eq!(m.ids().await.unwrap(), stored);
    for id in &stored {
        m.del_key((*id).into()).await.unwrap();
        assert_eq!(
            m.get_key(*id).await,
            Err(Error::AuthKeyDoesNotExist { id: *id })
        );
    }
    assert!(m.ids().await.unwrap().is_empty());
}

/// A private Cluster (3 masters, 3 replicas, cluster-node-timeout 1 s); two processes mark
/// ids and store keys; the master of one slot range is killed mid-run and replaced by its
/// replica; once without and once with `WAIT 1`. Errors while healing are typed, the workers
/// recover by themselves; replays accepted and keys lost are counted (0 with WAIT).
#[test]
fn cluster_master_failover_with_and_without_wait() {
    if !redis_cluster_tools_available() {
        return;
    }
    let mut cluster = RedisCluster::start().unwrap();
    let spec = cluster.urls().join(",");
    for (round, wait) in [(0, None), (1, Some((1u32, 500u64)))] {
        let prefix = format!("failover:{}:{round}:", std::process::id());
        let ids = 4_000;
        let a = spawn_worker(&spec, &prefix, "a", "mark", ids, false, 45, wait);
        let b = spawn_worker(&spec, &prefix, "b", "mark", ids, true, 45, wait);
        std::thread::sleep(Duration::from_millis(600));
        let victim = cluster.master_of_slot(0).unwrap();
        let killed_at = unix_ms();
        cluster.kill(victim);
        // Its replica takes over (cluster-node-timeout 1 s, then an election).
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let promoted = cluster.master_of_slot(0).is_ok_and(|p| p != victim)
                && cluster.nodes().is_ok_and(|n| {
                    n.iter()
                        .filter(|n| n.master && !n.failed && n.port != victim)
                        .count()
                        == 3
                });
            if promoted {
                break;
            }
            assert!(Instant::now() < deadline, "no replica took over");
            std::thread::sleep(Duration::from_millis(50));
        }
        let promoted_at = unix_ms();
        // As a supervisor would: the killed node comes back, as a replica of its successor
        // (with WAIT 1, that shard refuses writes until it has a replica again).
        cluster.restart(victim).unwrap();
        let report = collect(vec![a, b], Duration::from_secs(90));
        assert_eq!(report.done, 2);
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (marks_lost, keys_lost) = rt.block_on(verify(&spec, &prefix, &report));
        let healed = report
            .outages
            .iter()
            .map(|&(_, end)| end)
            .max()
            .unwrap_or(killed_at);
        println!(
            "cluster failover, WAIT {}: {} answers, {} ids accepted, {} replays accepted, \
             {} marks lost, {} of {} keys lost, errors while healing {:?}, replica promoted \
             {} ms and workers healed {} ms after the kill",
            wait.map_or("off".to_owned(), |(n, ms)| format!("{n} {ms}ms")),
            report.answered,
            report.accepted.len(),
            replays(&report),
            marks_lost,
            keys_lost,
            report.keys.len(),
            report.errors,
            promoted_at - killed_at,
            healed.saturating_sub(killed_at),
        );
        assert!(
            !report.outages.is_empty(),
            "the kill did not happen mid-run"
        );
        assert_eq!(report.answered, 2 * ids, "every id answered by both");
        if wait.is_some() {
            assert_eq!(replays(&report), 0);
            assert_eq!(marks_lost, 0);
            assert_eq!(keys_lost, 0);
        }
        // 3 masters + 3 replicas again before the next round.
        cluster.wait_ok(Duration::from_secs(30)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while cluster
            .nodes()
            .unwrap()
            .iter()
            .filter(|n| !n.master && !n.failed)
            .count()
            < 3
        {
            assert!(Instant::now() < deadline, "killed node did not rejoin");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Two processes x 8 tasks through the Cluster for a bounded time: the guard's ops/s and p99
/// beside a raw `SET NX EXAT` loop on the same Cluster and connection kind.
#[test]
fn cluster_load_guard_vs_raw_set_nx() {
    let Some(seeds) = keyauth_testkit::cluster_urls() else {
        return;
    };
    let spec = seeds.join(",");
    let mut results = Vec::new();
    for mode in ["load_raw", "load_guard", "load_guard_wait"] {
        let prefix = format!("load:{}:{mode}:{}:", std::process::id(), unix_ms());
        // The default on a Cluster: WAIT 1 replica, 500 ms.
        let wait = (mode == "load_guard_wait").then_some((1, 500));
        let a = spawn_worker(&spec, &prefix, "a", mode, 40_000, false, 3, wait);
        let b = spawn_worker(&spec, &prefix, "b", mode, 40_000, false, 3, wait);
        let report = collect(vec![a, b], Duration::from_secs(60));
        assert_eq!(report.load.len(), 2);
        let ops: u64 = report.load.iter().map(|l| l.0).sum();
        let secs = report.load.iter().map(|l| l.1).max().unwrap() as f64 / 1e6;
        let p99 = report.load.iter().map(|l| l.2).max().unwrap();
        let rate = ops as f64 / secs;
        println!("cluster load {mode}: {ops} ops in {secs:.2} s = {rate:.0} ops/s, p99 {p99} µs");
        results.push((rate, p99));
    }
    let (raw, guard, waiting) = (results[0], results[1], results[2]);
    println!(
        "cluster load ratio guard/raw: throughput {:.2}, p99 {:.2}; guard+WAIT 1/raw: \
         throughput {:.2}, p99 {:.2}",
        guard.0 / raw.0,
        guard.1 as f64 / raw.1.max(1) as f64,
        waiting.0 / raw.0,
        waiting.1 as f64 / raw.1.max(1) as f64
    );
    // Loose: the guard is one SET NX EXAT per check, so it should be near the raw loop; a
    // busy CI machine makes the figure noisy, so only a gross regression fails.
    assert!(guard.0 / raw.0 > 0.3, "guard far slower than raw SET NX");
}
