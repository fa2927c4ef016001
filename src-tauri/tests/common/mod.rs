//! Test harness: the app on Tauri's mock runtime (real commands, real store in a temp dir, no
//! window). The real HQ on 127.0.0.1:0 is the workspace test kit's (`Hq`, here blocking).

#![allow(dead_code)]

use patrol_app_lib::{Options, configure};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{Listener, WebviewWindow};

#[allow(unused_imports)] // at_rest.rs needs no HQ
pub use patrol_testkit::BlockingHq as Hq;

/// The app with one `main` window, on a fresh data folder.
pub struct TestApp {
    pub app: tauri::App<MockRuntime>,
    pub webview: WebviewWindow<MockRuntime>,
    /// Payloads of every `ledger-changed` event, in order.
    pub ledger_events: Arc<Mutex<Vec<Value>>>,
    pub position_events: Arc<Mutex<Vec<Value>>>,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub fn new() -> TestApp {
        Self::in_dir(tempfile::tempdir().unwrap())
    }

    /// The app on an existing data folder (a restart).
    pub fn in_dir(dir: tempfile::TempDir) -> TestApp {
        let options = Options {
            data_dir: Some(dir.path().to_path_buf()),
            // Never the developer's own keystore: a key file the temp folder takes along.
            key_file: Some(dir.path().join("store.key")),
            ..Options::default()
        };
        let app = configure(mock_builder(), options)
            .unwrap()
            .build(mock_context(noop_assets()))
            .expect("the app builds on the mock runtime");
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        let collect = |event: &str| {
            let seen = Arc::new(Mutex::new(Vec::new()));
            let sink = seen.clone();
            app.listen_any(event, move |e| {
                sink.lock()
                    .unwrap()
                    .push(serde_json::from_str(e.payload()).unwrap());
            });
            seen
        };
        let ledger_events = collect("ledger-changed");
        let position_events = collect("position");
        TestApp {
            app,
            webview,
            ledger_events,
            position_events,
            dir,
        }
    }

    /// Invoke a command as the web view would; `Err` is the rejection's JSON.
    pub fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(&self.webview, request(cmd, args))
            .map(|body| body.deserialize::<Value>().unwrap())
    }

    /// Invoke a command that answers raw bytes (`tauri::ipc::Response`), as an `ArrayBuffer`.
    #[track_caller]
    pub fn bytes(&self, cmd: &str, args: Value) -> Vec<u8> {
        match get_ipc_response(&self.webview, request(cmd, args)) {
            Ok(tauri::ipc::InvokeResponseBody::Raw(bytes)) => bytes,
            Ok(other) => panic!("{cmd} answered JSON, not bytes: {other:?}"),
            Err(e) => panic!("{cmd} failed: {e}"),
        }
    }

    #[track_caller]
    pub fn ok(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Ok(v) => v,
            Err(e) => panic!("{cmd} failed: {e}"),
        }
    }

    #[track_caller]
    pub fn err(&self, cmd: &str, args: Value) -> Value {
        match self.call(cmd, args) {
            Ok(v) => panic!("{cmd} should fail, returned {v}"),
            Err(e) => e,
        }
    }

    /// Close the app cleanly (the store marks a clean shutdown) and keep its data folder.
    pub fn close(self) -> tempfile::TempDir {
        let TestApp {
            app, webview, dir, ..
        } = self;
        drop(webview);
        app.cleanup_before_exit();
        drop(app);
        dir
    }
}

/// A channel argument as the JS `Channel` serializes it; on the mock runtime its messages go
/// nowhere, which is all a command needs.
pub fn channel() -> Value {
    json!("__CHANNEL__:7")
}

/// `cmd` with its JSON arguments, as the web view sends it.
fn request(cmd: &str, args: Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(args),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}
