//! The Argo CD health checks, run the way Argo CD runs them.
//!
//! Two runtimes, one set of cases (every case of every `health_test.yaml`,
//! the upstream layout):
//!
//! - `../shared/tools/argocd-lua` (gopher-lua, set up as argo-cd's
//!   `util/lua/lua.go` `VM.runLuaWithResourceActionParameters` does). Path in
//!   `EXPRESS_WAVES_ARGOCD_LUA` (`.ci/run` builds it); skipped with a note
//!   without it, except under CI, where it must run.
//! - A real Lua 5.1 (mlua) opened like that sandbox, for the wave model in
//!   `waves.rs` and for the Rust rules `status` uses, which must agree with
//!   the Lua on every case.
//!
//! The sandbox, as upstream sets it up (argo-cd `util/lua/lua.go`,
//! `runLuaWithResourceActionParameters`; `util/lua/oslib_safe.go`):
//! `lua.NewState(SkipOpenLibs: !UseOpenLibs)`, then only `package`, `base`
//! and `table` are opened, plus `OpenSafeOs`, which registers `time` and
//! `date` *in the table library* (`RegisterModule(TabLibName, …)`): there is
//! no global `os`, `string` or `math`; `require("os")` gives a table holding
//! only `time` and `date` (`PreloadModule(OsLibName, SafeOsLoader)`). The
//! script runs under a 1 s context (`context.WithTimeout`). The returned
//! table is read as `{status, message}` and a status outside the six valid
//! ones becomes Unknown with "Lua returned an invalid health status"
//! (`ExecuteHealthLua`, `isValidHealthStatusCode`).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use express_waves::health::{self, Status};
use express_waves::model::ExpressKind;
use express_waves::value::Value;
use mlua::{HookTriggers, Lua, LuaOptions, StdLib, VmState};

fn dir() -> PathBuf {
    crate::root().join("argocd/resource_customizations/express.medallia.com")
}

/// Argo CD converts the object to Lua tables; numbers become Lua numbers.
fn to_lua(lua: &Lua, v: &Value) -> mlua::Value {
    match v {
        Value::Null => mlua::Value::Nil,
        Value::Bool(b) => mlua::Value::Boolean(*b),
        Value::Int(i) => mlua::Value::Number(*i as f64),
        Value::Float(f) => mlua::Value::Number(*f),
        Value::Str(s) => mlua::Value::String(lua.create_string(s).unwrap()),
        Value::Seq(items) => {
            let t = lua.create_table().unwrap();
            for (i, item) in items.iter().enumerate() {
                t.set(i + 1, to_lua(lua, item)).unwrap();
            }
            mlua::Value::Table(t)
        }
        Value::Map(entries) => {
            let t = lua.create_table().unwrap();
            for (k, v) in entries {
                t.set(k.as_str(), to_lua(lua, v)).unwrap();
            }
            mlua::Value::Table(t)
        }
    }
}

/// The script's time limit (`context.WithTimeout(…, 1*time.Second)`).
const LIMIT: Duration = Duration::from_secs(1);

/// A Lua state opened as Argo CD's sandbox (module doc): base, package and
/// table; `time`/`date` in `table` and behind `require("os")`; no global
/// `os`, `string`, `math`, `io`, `debug`.
pub fn sandbox() -> Lua {
    let lua = Lua::new_with(StdLib::PACKAGE | StdLib::TABLE, LuaOptions::new()).expect("lua");
    let safe_os = lua.create_table().unwrap();
    let time = lua
        .create_function(|_, ()| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap();
            Ok(now.as_secs() as f64)
        })
        .unwrap();
    // Upstream's date formats with strftime rules; the checks do not call
    // it, so a fixed-shape stand-in is enough to prove it is reachable.
    let date = lua.create_function(|_, ()| Ok("1970-01-01")).unwrap();
    safe_os.set("time", time.clone()).unwrap();
    safe_os.set("date", date.clone()).unwrap();
    let globals = lua.globals();
    let table: mlua::Table = globals.get("table").unwrap();
    table.set("time", time).unwrap();
    table.set("date", date).unwrap();
    let preload: mlua::Table = globals
        .get::<mlua::Table>("package")
        .unwrap()
        .get("preload")
        .unwrap();
    let loader = lua
        .create_function(move |_, _: mlua::MultiValue| Ok(safe_os.clone()))
        .unwrap();
    preload.set("os", loader).unwrap();
    for absent in ["os", "string", "math", "io", "debug"] {
        assert!(
            globals.get::<mlua::Value>(absent).unwrap().is_nil(),
            "global {absent} present in the sandbox"
        );
    }
    lua
}

/// What Argo CD makes of one run of a health script.
#[derive(Debug, PartialEq)]
pub enum LuaHealth {
    /// `{status, message}`; an invalid status already turned into Unknown.
    Status(String, String),
    /// The script raised an error or ran out of time. `ExecuteHealthLua`
    /// returns the error; what the controller then does is modelled in
    /// `waves.rs`.
    Error(String),
}

/// Runs a health script on `obj` the way Argo CD does: `obj` is a global and
/// the chunk returns `{status=…, message=…}`.
pub fn run_lua(script: &str, obj: &Value) -> LuaHealth {
    let lua = sandbox();
    lua.globals().set("obj", to_lua(&lua, obj)).unwrap();
    let start = Instant::now();
    lua.set_hook(
        HookTriggers::new().every_nth_instruction(1000),
        move |_, _| {
            if start.elapsed() > LIMIT {
                Err(mlua::Error::runtime("context deadline exceeded"))
            } else {
                Ok(VmState::Continue)
            }
        },
    )
    .unwrap();
    let t: mlua::Table = match lua.load(script).eval() {
        Ok(mlua::Value::Table(t)) => t,
        Ok(other) => return LuaHealth::Error(format!("returned a {}", other.type_name())),
        Err(e) => return LuaHealth::Error(e.to_string()),
    };
    let status: String = t
        .get::<Option<String>>("status")
        .unwrap()
        .unwrap_or_default();
    let message: String = t
        .get::<Option<String>>("message")
        .unwrap()
        .unwrap_or_default();
    if Status::parse(&status).is_none() {
        return LuaHealth::Status(
            "Unknown".into(),
            "Lua returned an invalid health status".into(),
        );
    }
    LuaHealth::Status(status, message)
}

/// The gopher-lua harness (`../shared/tools/argocd-lua`), when available.
fn argocd_lua() -> Option<PathBuf> {
    crate::oracle("EXPRESS_WAVES_ARGOCD_LUA", "gopher-lua health check")
}

#[test]
fn every_health_test_case_passes_in_lua_and_in_rust() {
    let mut cases = 0;
    type Rules = fn(&Value) -> health::Health;
    let checks: [(&str, &str, Rules); 4] = [
        ("express.medallia.com", "Backend", |o| {
            health::assess(ExpressKind::Backend, o)
        }),
        ("express.medallia.com", "Frontend", |o| {
            health::assess(ExpressKind::Frontend, o)
        }),
        ("express.medallia.com", "Cluster", |o| {
            health::assess(ExpressKind::Cluster, o)
        }),
        (
            express_waves::gate::GROUP,
            "Gate",
            express_waves::gate::health,
        ),
    ];
    for (group, name, rules) in checks {
        let kdir = crate::root()
            .join("argocd/resource_customizations")
            .join(group)
            .join(name);
        let script = std::fs::read_to_string(kdir.join("health.lua")).unwrap();
        let embedded = match ExpressKind::from_name(name) {
            Some(kind) => health::lua(kind),
            None => express_waves::gate::LUA,
        };
        assert_eq!(
            script, embedded,
            "{name}: embedded script differs from the file"
        );
        let tests = crate::yaml_file(&kdir.join("health_test.yaml"));
        let Some(Value::Seq(list)) = tests.get("tests") else {
            panic!("{name}: no tests")
        };
        for t in list {
            let input = t.get("inputPath").and_then(Value::as_str).unwrap();
            let want_status = t
                .at(&["healthStatus", "status"])
                .and_then(Value::as_str)
                .unwrap();
            let want_message = t
                .at(&["healthStatus", "message"])
                .and_then(Value::as_str)
                .unwrap();
            assert!(
                Status::parse(want_status).is_some(),
                "{name}/{input}: invalid status"
            );
            let obj = crate::yaml_file(&kdir.join(input));
            assert_eq!(
                run_lua(&script, &obj),
                LuaHealth::Status(want_status.into(), want_message.into()),
                "Lua {name}/{input}"
            );
            let h = rules(&obj);
            assert_eq!(
                (h.status.name(), h.message.as_str()),
                (want_status, want_message),
                "Rust {name}/{input}"
            );
            cases += 1;
        }
    }
    assert!(cases >= 32, "only {cases} health cases");
}

/// The same cases under gopher-lua with Argo CD's sandbox (the harness
/// mirrors `util/lua/lua.go`; run without `-open-libs`, as the controller
/// runs a check unless `resource.customizations.useOpenLibs.<group>_<kind>`
/// is set). Upstream's own `health_test.yaml` runner opens every library, so
/// passing it proves nothing about the sandbox; this does.
#[test]
fn every_health_test_case_passes_in_argo_cds_gopher_lua_sandbox() {
    let Some(tool) = argocd_lua() else { return };
    let out = Command::new(&tool)
        .args(["test", "argocd/resource_customizations"])
        .current_dir(crate::root())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", tool.display()));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "gopher-lua:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = text.lines().last().unwrap_or("");
    let passed: usize = summary
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no summary line: {text}"));
    assert!(passed >= 32 && summary.ends_with(" 0 failed"), "{summary}");
}

#[test]
fn backend_and_frontend_share_one_script() {
    let be = std::fs::read_to_string(dir().join("Backend/health.lua")).unwrap();
    let fe = std::fs::read_to_string(dir().join("Frontend/health.lua")).unwrap();
    assert_eq!(be, fe);
}

fn status_of(script: &str) -> LuaHealth {
    run_lua(script, &Value::Map(Vec::new()))
}

#[test]
fn the_sandbox_has_no_global_os_string_or_math() {
    for script in [
        "return {status = os.time() and 'Healthy'}",
        "return {status = string.format('%s', 'Healthy')}",
        "return {status = math.floor(1.5) and 'Healthy'}",
        "return {status = io.write and 'Healthy'}",
    ] {
        assert!(
            matches!(status_of(script), LuaHealth::Error(ref e) if e.contains("a nil value")),
            "{script} ran in the sandbox: {:?}",
            status_of(script)
        );
    }
}

#[test]
fn require_os_gives_only_time_and_date_as_upstreams_safe_os() {
    let script = r#"
        local os = require("os")
        local n = 0
        for _ in pairs(os) do n = n + 1 end
        if n == 2 and os.time() > 0 and os.date() ~= nil and os.exit == nil
           and table.time ~= nil then
          return {status = "Healthy", message = "safe os"}
        end
        return {status = "Degraded", message = tostring(n)}
    "#;
    assert_eq!(
        status_of(script),
        LuaHealth::Status("Healthy".into(), "safe os".into())
    );
}

#[test]
fn an_invalid_status_becomes_unknown() {
    assert_eq!(
        status_of("return {status = 'Fine', message = 'x'}"),
        LuaHealth::Status(
            "Unknown".into(),
            "Lua returned an invalid health status".into()
        )
    );
}

#[test]
fn a_script_that_runs_forever_is_stopped_after_one_second() {
    assert!(matches!(
        status_of("while true do end"),
        LuaHealth::Error(e) if e.contains("deadline")
    ));
}
