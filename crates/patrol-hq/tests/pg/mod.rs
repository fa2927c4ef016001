//! A real PostgreSQL for the storage suite, one fresh database per test.
//!
//! With `PATROL_TEST_PG` set (a `postgres://` URL whose user may create databases), each test
//! gets `patrol_test_<random>` on that server, dropped when the test ends. Without it, the
//! suite starts a throwaway cluster of its own (`initdb` + `pg_ctl` on a free port, trust auth,
//! in a temp dir), shared by the tests running at the same time and stopped when the last of
//! them ends. As root (initdb refuses root) the server runs as the `postgres` OS user through
//! `runuser`. No PostgreSQL binaries means a failing test that says what to install — never a
//! silent pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, PoisonError, Weak};

pub const ENV_URL: &str = "PATROL_TEST_PG";
/// Where `initdb` and `pg_ctl` are, when they are not where Debian puts them.
pub const ENV_BINDIR: &str = "PATROL_TEST_PG_BINDIR";

/// A database that exists for one test.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    name: String,
    /// Where to drop the database afterwards (only on a server we do not own).
    admin_url: Option<String>,
    _cluster: Option<Arc<Cluster>>,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let name = format!("patrol_test_{:016x}", rand::random::<u64>());
        match std::env::var(ENV_URL) {
            Ok(admin) if !admin.trim().is_empty() => {
                create_database(&admin, &name).await;
                TestDb {
                    url: with_database(&admin, &name),
                    name,
                    admin_url: Some(admin),
                    _cluster: None,
                }
            }
            _ => {
                let cluster = match tokio::task::spawn_blocking(Cluster::shared).await {
                    Ok(c) => c,
                    // Fail this test with the real reason (for example "install postgresql").
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                };
                let admin = cluster.url("postgres");
                create_database(&admin, &name).await;
                TestDb {
                    url: cluster.url(&name),
                    name,
                    admin_url: None,
                    _cluster: Some(cluster),
                }
            }
        }
    }
}

impl TestDb {
    /// Crash the server and start it again (`pg_ctl restart -m immediate`): transactions in
    /// flight are lost, committed ones stay. `false` on a server the tests do not own.
    #[allow(dead_code)] // used by the fault tests, not by every binary sharing this module
    pub fn crash_restart(&self) -> bool {
        let Some(c) = &self._cluster else {
            return false;
        };
        let log = c._dir.path().join("server.log");
        check(
            c.pg("pg_ctl")
                .arg("-D")
                .arg(&c.data)
                .arg("-l")
                .arg(&log)
                .args(["-m", "immediate", "-w", "-t", "60", "restart"]),
            "pg_ctl restart",
        );
        true
    }
}

/// A streaming replica of the test's database, stopped on drop.
#[allow(dead_code)] // used by the replica tests, not by every binary sharing this module
pub struct Replica {
    /// The test's database on the replica.
    pub url: String,
    cluster: Cluster,
}

#[allow(dead_code)]
impl TestDb {
    /// A streaming replica of the cluster holding this database; `None` on a server the tests
    /// do not own (`PATROL_TEST_PG`), where they cannot make one.
    pub fn replica(&self) -> Option<Replica> {
        let primary = self._cluster.as_ref()?;
        let cluster = primary.replica();
        Some(Replica {
            url: cluster.url(&self.name),
            cluster,
        })
    }
}

#[allow(dead_code)]
impl Replica {
    /// Stop the replica's server at once, as a crash would.
    pub fn stop(&mut self) {
        check(
            self.cluster
                .pg("pg_ctl")
                .arg("-D")
                .arg(&self.cluster.data)
                .args(["-m", "immediate", "-w", "stop"]),
            "pg_ctl stop",
        );
        self.cluster.port = 0;
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Our own cluster disappears with its temp dir; someone else's server is tidied up.
        let Some(admin) = self.admin_url.clone() else {
            return;
        };
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on: use a thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            rt.block_on(async {
                if let Ok(client) = connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(e) = client.batch_execute(&sql).await {
                        eprintln!("could not drop test database {name}: {e}");
                    }
                }
            });
        })
        .join();
    }
}

async fn connect(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

async fn create_database(admin_url: &str, name: &str) {
    let client = connect(admin_url).await.unwrap_or_else(|e| {
        panic!("cannot connect to PostgreSQL for the storage suite ({ENV_URL} or our own cluster): {e:?}")
    });
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("CREATE DATABASE {name} failed: {e:?}"));
}

/// The same connection string, naming another database.
pub fn with_database(url: &str, db: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        // `key=value` form: a later key wins.
        return format!("{url} dbname={db}");
    };
    let (head, rest) = url.split_at(scheme_end + 3);
    let (rest, query) = match rest.find('?') {
        Some(q) => rest.split_at(q),
        None => (rest, ""),
    };
    let authority = rest.split('/').next().unwrap_or("");
    format!("{head}{authority}/{db}{query}")
}

/// A throwaway PostgreSQL cluster in a temp dir; stopped on drop.
#[derive(Debug)]
pub struct Cluster {
    bindir: PathBuf,
    data: PathBuf,
    port: u16,
    as_postgres_user: bool,
    // Removed last, after the server stopped.
    _dir: tempfile::TempDir,
}

/// The cluster of the tests running now (weak: the last test to finish stops it).
static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

impl Cluster {
    fn shared() -> Arc<Cluster> {
        let mut slot = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = slot.upgrade() {
            return c;
        }
        let c = Arc::new(Cluster::start());
        *slot = Arc::downgrade(&c);
        c
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn start() -> Cluster {
        let bindir = find_bindir().unwrap_or_else(|| {
            panic!(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's \
                 `postgresql` package (`apt-get install -y postgresql`; scripts/test installs \
                 it), point {ENV_BINDIR} at them, or set {ENV_URL}=postgres://user@host:port/db \
                 to use a running server"
            )
        });
        let as_postgres_user = is_root();
        if as_postgres_user
            && !run(Command::new("id").args(["-u", "postgres"]))
                .status
                .success()
        {
            panic!(
                "running as root, and PostgreSQL refuses to run as root, but there is no \
                 `postgres` OS user to run it as: install Debian's `postgresql` package (it \
                 creates the user) or run the tests as another user"
            );
        }
        let mut cluster = Cluster::unstarted(bindir, as_postgres_user);
        check(
            cluster
                .pg("initdb")
                .arg("-D")
                .arg(&cluster.data)
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"])
                .arg("--no-sync"),
            "initdb",
        );
        cluster.serve();
        cluster
    }

    /// A cluster's place, not yet made: a temp dir `postgres` may use.
    fn unstarted(bindir: PathBuf, as_postgres_user: bool) -> Cluster {
        // In memory when the machine has a tmpfs: the suite's databases never compete with
        // `target/` for disk (a full disk once failed CI here). As root the dir must also be
        // reachable by `postgres`: /dev/shm and /tmp are, $TMPDIR may not be.
        let shm = Path::new("/dev/shm");
        let parent = if shm.is_dir() && writable(shm) {
            shm.to_path_buf()
        } else if as_postgres_user {
            PathBuf::from("/tmp")
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("patrol-pg-")
            .tempdir_in(parent)
            .expect("a temp dir for PostgreSQL");
        if as_postgres_user {
            check(
                Command::new("chown")
                    .arg("-R")
                    .arg("postgres:postgres")
                    .arg(dir.path()),
                "chown the cluster dir to postgres",
            );
        }
        Cluster {
            bindir,
            data: dir.path().join("data"),
            port: 0,
            as_postgres_user,
            _dir: dir,
        }
    }

    /// Start the server on a free port.
    fn serve(&mut self) {
        // A port can be taken between asking for it and the server binding it: try a few.
        let mut last_error = String::new();
        for _ in 0..5 {
            self.port = free_port();
            let socket_dir = self._dir.path().display().to_string();
            let options = format!(
                "-k {socket_dir} -p {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off \
                 -c max_wal_size=64MB -c min_wal_size=32MB",
                self.port
            );
            let log = self._dir.path().join("server.log");
            let out = run(self
                .pg("pg_ctl")
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "-o", &options, "start"]));
            if out.status.success() {
                return;
            }
            last_error = format!(
                "{}{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        self.port = 0;
        panic!("pg_ctl start failed:\n{last_error}");
    }

    /// A streaming replica of this cluster (`pg_basebackup -R`), a server of its own.
    fn replica(&self) -> Cluster {
        let mut replica = Cluster::unstarted(self.bindir.clone(), self.as_postgres_user);
        check(
            replica
                .pg("pg_basebackup")
                .arg("-D")
                .arg(&replica.data)
                .args([
                    "-R",
                    "-X",
                    "stream",
                    "--no-sync",
                    // Not a spread checkpoint first: that waits minutes on an idle server.
                    "--checkpoint=fast",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                ])
                .args(["-p", &self.port.to_string()]),
            "pg_basebackup",
        );
        replica.serve();
        replica
    }

    /// A PostgreSQL program, run as the `postgres` user when we are root.
    fn pg(&self, program: &str) -> Command {
        let path = self.bindir.join(program);
        let mut cmd = if self.as_postgres_user {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        // The `postgres` user may not be allowed into the test's working directory.
        cmd.current_dir(self._dir.path());
        cmd
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.port == 0 {
            return;
        }
        let out = run(self.pg("pg_ctl").arg("-D").arg(&self.data).args([
            "-m",
            "immediate",
            "-w",
            "stop",
        ]));
        if !out.status.success() {
            eprintln!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {:?}: {e}", cmd.get_program()))
}

fn check(cmd: &mut Command, what: &str) {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn has_server(dir: &Path) -> bool {
    dir.join("initdb").is_file() && dir.join("pg_ctl").is_file()
}

/// `$PATROL_TEST_PG_BINDIR` when set; else `pg_config --bindir`, the newest
/// `/usr/lib/postgresql/*/bin`, or the `PATH` entry holding `initdb`.
fn find_bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(ENV_BINDIR) {
        let dir = PathBuf::from(dir);
        return has_server(&dir).then_some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_server(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, bin)| has_server(bin))
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).find(|p| has_server(p)))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

#[test]
fn with_database_replaces_only_the_database() {
    let cases = [
        ("postgres://u:p@h:5432/postgres", "postgres://u:p@h:5432/t1"),
        ("postgres://u@h", "postgres://u@h/t1"),
        (
            "postgresql://h/db?sslmode=disable",
            "postgresql://h/t1?sslmode=disable",
        ),
        ("host=h user=u", "host=h user=u dbname=t1"),
    ];
    for (url, want) in cases {
        assert_eq!(with_database(url, "t1"), want, "{url}");
    }
}

/// Whether a directory takes a new file (a read-only or full tmpfs does not).
fn writable(dir: &Path) -> bool {
    tempfile::Builder::new()
        .prefix("patrol-pg-probe-")
        .tempfile_in(dir)
        .is_ok()
}
