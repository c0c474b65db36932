//! Shared by the binary's integration tests: start `openfiskal serve` on a free port, wait for its
//! "openfiskal serving" log line (never a sleep), talk plain HTTP/1.1 over a `TcpStream`, stop it
//! with SIGTERM.

#![allow(clippy::unwrap_used, reason = "test helpers panic on failure by design")]
#![allow(dead_code, reason = "each test file uses its own part of these helpers")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_openfiskal");

/// The longest a test waits for one answer or one stdout line before failing.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Server {
    child: Child,
    pub addr: String,
    stdout: Vec<String>,
    /// Stdout lines as the drain thread reads them.
    stdout_rx: Mutex<Receiver<String>>,
    stdout_drain: Option<JoinHandle<()>>,
    /// Every stderr (log) line so far, the startup lines included.
    pub log: Arc<Mutex<Vec<String>>>,
    /// The thread that drains stderr into `log`; it ends at EOF.
    drain: Option<JoinHandle<()>>,
}

/// Starts `openfiskal serve` on a free port in `dir` and waits (by reading its log, not by
/// sleeping) until it listens.
pub fn start(dir: &std::path::Path) -> Server {
    start_with(dir, &[])
}

/// [`start`] with more `serve` flags.
pub fn start_with(dir: &std::path::Path, flags: &[&str]) -> Server {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(flags)
        .current_dir(dir)
        .env("OPENFISKAL_LOG", "info")
        // No colour must come from stderr not being a terminal, not from this variable.
        .env_remove("NO_COLOR")
        .env_remove("OPENFISKAL_DATABASE_URL")
        .env_remove("OPENFISKAL_TSE_CURVE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Stdout is drained by a thread too, so a test can wait for a line with a timeout.
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, stdout_rx) = std::sync::mpsc::channel();
    let stdout_drain = std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut addr = None;
    let log = Arc::new(Mutex::new(Vec::new()));
    for line in lines.by_ref() {
        let line = line.unwrap();
        log.lock().unwrap().push(line.clone());
        if line.contains("openfiskal serving") {
            let at = line.find("listen=").expect("listen field") + "listen=".len();
            addr = Some(
                line[at..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches(|c: char| !c.is_ascii_digit())
                    .to_owned(),
            );
            break;
        }
    }
    let Some(addr) = addr else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("server did not start: {:?}", log.lock().unwrap());
    };
    // Keep draining the log so the server never writes into a closed pipe.
    let sink = log.clone();
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| sink.lock().unwrap().push(l)));
    Server {
        child,
        addr,
        stdout: Vec::new(),
        stdout_rx: Mutex::new(stdout_rx),
        stdout_drain: Some(stdout_drain),
        log,
        drain: Some(drain),
    }
}

impl Server {
    /// One HTTP/1.1 request on a fresh connection; every read and write is bounded by
    /// [`READ_TIMEOUT`]. Returns the status and the body.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
        s.set_write_timeout(Some(READ_TIMEOUT)).unwrap();
        let mut req =
            format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        if let Err(e) = s.read_to_string(&mut out) {
            panic!("{method} {path} on {}: no complete answer: {e}; read so far: {out}", self.addr);
        }
        let status = out[9..12].parse().unwrap();
        let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
        (status, body)
    }

    /// The next line the server printed on stdout, waiting at most [`READ_TIMEOUT`].
    pub fn stdout_line(&self) -> Option<String> {
        self.stdout_rx.lock().unwrap().recv_timeout(READ_TIMEOUT).ok()
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(self) -> Vec<String> {
        self.stop_with_log().0
    }

    /// Stops the server (SIGTERM) and asserts it exits 0; returns its stdout (the lines not taken
    /// by [`Server::stdout_line`]) and its whole log.
    pub fn stop_with_log(mut self) -> (Vec<String>, Vec<String>) {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "graceful shutdown exits 0, got {status:?}");
        // The process has exited, so its stdout and stderr reach EOF and the drain threads end.
        self.stdout_drain.take().unwrap().join().unwrap();
        let mut stdout = std::mem::take(&mut self.stdout);
        stdout.extend(self.stdout_rx.lock().unwrap().try_iter());
        self.drain.take().unwrap().join().unwrap();
        let log = self.log.lock().unwrap().clone();
        (stdout, log)
    }
}

impl Drop for Server {
    /// A server a failing test did not stop is killed, never left running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
