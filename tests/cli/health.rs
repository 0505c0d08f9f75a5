//! The Argo CD health checks: every case of every `health_test.yaml` (the
//! upstream layout) is run under a real Lua 5.1 opened like Argo CD's
//! gopher-lua sandbox (base, table and os; no string, no math), and under the
//! Rust rules that `status` uses. Both must give the exact status and message.

use std::path::{Path, PathBuf};

use express_waves::health::{self, Status};
use express_waves::model::ExpressKind;
use express_waves::value::{self, Value};
use mlua::{Lua, LuaOptions, StdLib};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("argocd/resource_customizations/express.medallia.com")
}

fn read_yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let node = express_waves::yaml::read_document(&text, Default::default())
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
        .expect("a document");
    value::from_node(&node, "").unwrap()
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

/// A Lua state like Argo CD's: no string or math library.
pub fn sandbox() -> Lua {
    let lua = Lua::new_with(StdLib::TABLE | StdLib::OS, LuaOptions::new()).expect("lua");
    let globals = lua.globals();
    assert!(
        globals.get::<mlua::Value>("string").unwrap().is_nil(),
        "string library present"
    );
    assert!(
        globals.get::<mlua::Value>("math").unwrap().is_nil(),
        "math library present"
    );
    lua
}

/// Runs a health script on `obj` the way Argo CD does: `obj` is a global and
/// the chunk returns `{status=…, message=…}`.
pub fn run_lua(script: &str, obj: &Value) -> (String, String) {
    let lua = sandbox();
    lua.globals().set("obj", to_lua(&lua, obj)).unwrap();
    let t: mlua::Table = lua
        .load(script)
        .eval()
        .unwrap_or_else(|e| panic!("lua error: {e}"));
    (t.get("status").unwrap(), t.get("message").unwrap())
}

#[test]
fn every_health_test_case_passes_in_lua_and_in_rust() {
    let mut cases = 0;
    for (kind, name) in [
        (ExpressKind::Backend, "Backend"),
        (ExpressKind::Frontend, "Frontend"),
        (ExpressKind::Cluster, "Cluster"),
    ] {
        let kdir = dir().join(name);
        let script = std::fs::read_to_string(kdir.join("health.lua")).unwrap();
        assert_eq!(
            script,
            health::lua(kind),
            "{name}: embedded script differs from the file"
        );
        let tests = read_yaml(&kdir.join("health_test.yaml"));
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
            let obj = read_yaml(&kdir.join(input));
            let (status, message) = run_lua(&script, &obj);
            assert_eq!(
                (status.as_str(), message.as_str()),
                (want_status, want_message),
                "Lua {name}/{input}"
            );
            let h = health::assess(kind, &obj);
            assert_eq!(
                (h.status.name(), h.message.as_str()),
                (want_status, want_message),
                "Rust {name}/{input}"
            );
            cases += 1;
        }
    }
    assert!(cases >= 25, "only {cases} health cases");
}

#[test]
fn backend_and_frontend_share_one_script() {
    let be = std::fs::read_to_string(dir().join("Backend/health.lua")).unwrap();
    let fe = std::fs::read_to_string(dir().join("Frontend/health.lua")).unwrap();
    assert_eq!(be, fe);
}

#[test]
fn scripts_fail_in_the_sandbox_if_they_use_string_or_math() {
    // The sandbox itself must be able to catch a script that needs `string`.
    let lua = sandbox();
    assert!(lua.load("return string.format('%d', 1)").exec().is_err());
    assert!(lua.load("return math.floor(1.5)").exec().is_err());
}
