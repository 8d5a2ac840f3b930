//! How the model recognises Redis in forms real manifests use (issue 11).

use super::{Model, Role, Topology};
use crate::manifest;

fn model(yaml: &str) -> Model {
    Model::build(&manifest::parse("t.yaml", yaml).documents)
}

fn roles(m: &Model) -> Vec<(String, Option<Role>)> {
    m.workloads
        .iter()
        .flat_map(|w| {
            w.containers
                .iter()
                .map(|c| (c.name.clone(), c.server.as_ref().map(|s| s.role)))
        })
        .collect()
}

#[test]
fn official_image_args_only_forms_run_the_server() {
    let m = model(
        "kind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: opts, image: 'redis:7.2.4', args: ['--save', '', '--appendonly', 'no']}\n        - {name: conf, image: 'docker.io/library/valkey:8.0.1', args: ['/etc/valkey.conf']}\n        - {name: other, image: 'example.com/redis:1', args: ['--port', '6379']}\n",
    );
    assert_eq!(
        roles(&m),
        vec![
            ("opts".to_string(), Some(Role::Redis)),
            ("conf".to_string(), Some(Role::Redis)),
            ("other".to_string(), None),
        ]
    );
    // The official image is built with protected mode off.
    let conf = m.workloads[0].containers[0]
        .server
        .as_ref()
        .unwrap()
        .conf
        .as_ref()
        .unwrap();
    assert_eq!(conf.value(&["protected-mode"]).map(|(v, _)| v), Some("no"));
    assert_eq!(conf.value(&["appendonly"]).map(|(v, _)| v), Some("no"));
}

#[test]
fn valkey_sentinel_and_wrapper_scripts() {
    let m = model(
        "kind: StatefulSet\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: s, image: 'valkey/valkey:8.0.1', command: [valkey-sentinel, /data/s.conf]}\n        - {name: w, image: 'redis:7.2.4', command: [/conf/fix-ip.sh, redis-server, /conf/r.conf]}\n",
    );
    assert_eq!(
        roles(&m),
        vec![
            ("s".to_string(), Some(Role::Sentinel)),
            ("w".to_string(), Some(Role::Redis)),
        ]
    );
    assert_eq!(m.sets[0].topology, Topology::SentinelHa);
}

#[test]
fn bash_ec_script_file_with_an_args_array() {
    let m = model(concat!(
        "kind: ConfigMap\nmetadata: {name: scripts}\ndata:\n  start.sh: |\n    #!/bin/bash\n",
        "    ARGS=(\"--port\" \"6379\")\n    ARGS+=(\"--maxmemory\" \"100mb\")\n    exec redis-server \"${ARGS[@]}\"\n",
        "---\nkind: StatefulSet\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n",
        "        - name: redis\n          image: bitnami/redis:7.2.4\n          command: [/bin/bash, -ec]\n",
        "          args: [/scripts/start.sh]\n          volumeMounts: [{name: s, mountPath: /scripts}]\n",
        "      volumes: [{name: s, configMap: {name: scripts}}]\n",
    ));
    let server = m.workloads[0].containers[0]
        .server
        .as_ref()
        .expect("a server");
    let conf = server.conf.as_ref().expect("a followed configuration");
    assert_eq!(conf.value(&["maxmemory"]).map(|(v, _)| v), Some("100mb"));
    assert_eq!(m.sets[0].topology, Topology::Standalone);
}

#[test]
fn cluster_and_every_pod_bearing_kind() {
    let m = model(concat!(
        "kind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n",
        "          containers: [{name: r, image: 'redis:7.2.4', command: [redis-server, --cluster-enabled, 'yes']}]\n",
        "---\nkind: ReplicationController\nmetadata: {name: rc}\nspec:\n  template:\n    spec:\n",
        "      containers: [{name: r, image: 'redis:7.2.4', command: [redis-server]}]\n",
    ));
    assert_eq!(m.workloads.len(), 2);
    let topologies: Vec<Topology> = m.sets.iter().map(|s| s.topology).collect();
    assert_eq!(topologies, vec![Topology::Cluster, Topology::Standalone]);
}

#[test]
fn a_stock_conf_under_a_conf_key_is_configuration() {
    let mut stock = String::from("kind: ConfigMap\nmetadata: {name: c}\ndata:\n  redis.conf: |\n");
    for i in 0..40 {
        stock.push_str(&format!("    some-future-directive-{i} yes\n"));
    }
    stock.push_str("    requirepass hunter2\n");
    let m = model(&stock);
    assert_eq!(m.stored.len(), 1);
}

#[test]
fn a_per_pod_service_selects_pod_n_below_replicas() {
    let m = model(concat!(
        "kind: StatefulSet\nmetadata: {name: r}\nspec:\n  replicas: 3\n  template:\n",
        "    metadata: {labels: {app: r}}\n    spec:\n      containers: [{name: r, image: 'redis:7.2.4', command: [redis-server]}]\n",
        "---\nkind: Service\nmetadata: {name: r-2}\nspec:\n  selector: {app: r, statefulset.kubernetes.io/pod-name: r-2}\n",
        "---\nkind: Service\nmetadata: {name: r-3}\nspec:\n  selector: {app: r, statefulset.kubernetes.io/pod-name: r-3}\n",
    ));
    let w = &m.workloads[0];
    let selected: Vec<bool> = m
        .services
        .iter()
        .map(|s| w.selected_by(&s.selector))
        .collect();
    assert_eq!(selected, vec![true, false]);
}

#[test]
fn a_custom_image_is_recognised_by_name_and_port_with_its_configuration_unknown() {
    let m = model(concat!(
        "kind: Pod\nmetadata: {name: m}\nspec:\n  containers:\n",
        "    - {name: master, image: 'registry.k8s.io/redis:v1', env: [{name: MASTER, value: 'true'}], ports: [{containerPort: 6379}]}\n",
        "    - {name: s, image: 'registry.k8s.io/redis:v1', env: [{name: SENTINEL, value: 'true'}], ports: [{containerPort: 26379}]}\n",
        "    - {name: exporter, image: 'oliver006/redis_exporter:v1.67.0', ports: [{containerPort: 9121}]}\n",
        "---\nkind: ReplicationController\nmetadata: {name: sentinels}\nspec:\n  template:\n    spec:\n",
        "      containers: [{name: sentinel, image: 'registry.k8s.io/redis:v1', ports: [{containerPort: 26379}]}]\n",
    ));
    assert_eq!(
        roles(&m),
        vec![
            ("master".to_string(), Some(Role::Redis)),
            ("s".to_string(), Some(Role::Sentinel)),
            ("exporter".to_string(), None),
            ("sentinel".to_string(), Some(Role::Sentinel)),
        ]
    );
    // Built into the image: no configuration for the rules to judge.
    assert!(
        m.workloads[0].containers[0]
            .server
            .as_ref()
            .unwrap()
            .conf
            .is_none()
    );
    // Nothing names a master or a monitored host: one deployment with the namespace's Sentinels.
    assert_eq!(m.sets.len(), 1);
    assert_eq!(m.sets[0].topology, Topology::SentinelHa);
    assert_eq!(m.sets[0].workloads, vec![0, 1]);
}

/// bitnami/redis in `architecture: standalone` starts its one server with
/// `REDIS_REPLICATION_MODE=master`: a cache, not replication; its `replica` mode is.
#[test]
fn bitnami_master_mode_alone_is_standalone_and_replica_mode_is_replication() {
    let set = |mode: &str| {
        let m = model(&format!(
            "kind: StatefulSet\nmetadata: {{name: r}}\nspec:\n  template:\n    spec:\n      containers:\n        - {{name: redis, image: 'bitnami/redis:7.2.1', command: [redis-server], env: [{{name: REDIS_REPLICATION_MODE, value: {mode}}}]}}\n"
        ));
        m.sets[0].topology
    };
    assert_eq!(set("master"), Topology::Standalone);
    assert_eq!(set("replica"), Topology::Replication);
    assert_eq!(set("slave"), Topology::Replication);
}

/// bitnami's `redis` image on its own entrypoint writes its configuration from the env
/// (`bitnami_image.rs`): remote connections on, a password only with `REDIS_PASSWORD`.
#[test]
fn bitnami_image_on_its_own_entrypoint_is_configured_from_its_env() {
    let conf = |env: &str, mounts: &str| {
        let m = model(&format!(
            "kind: Deployment\nmetadata: {{name: b}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: redis\n          image: mcr.microsoft.com/oss/bitnami/redis:6.0.8\n          ports: [{{containerPort: 6379}}]\n          env: {env}\n          volumeMounts: {mounts}\n"
        ));
        let server = m.workloads[0].containers[0]
            .server
            .clone()
            .expect("a server");
        server.conf.map(|c| {
            let get = |k: &str| c.value(&[k]).map(|(v, _)| v.to_string());
            (get("bind"), get("requirepass"), get("maxmemory"))
        })
    };
    let open = conf("[{name: ALLOW_EMPTY_PASSWORD, value: 'yes'}]", "[]");
    assert_eq!(open, Some((Some("0.0.0.0".into()), None, None)));
    let secret = conf(
        "[{name: REDIS_PASSWORD, valueFrom: {secretKeyRef: {name: s, key: p}}}, {name: REDIS_EXTRA_FLAGS, value: '--maxmemory 100mb'}]",
        "[]",
    );
    assert_eq!(
        secret,
        Some((
            Some("0.0.0.0".into()),
            Some("$REDIS_PASSWORD".into()),
            Some("100mb".into())
        ))
    );
    // A mounted redis.conf replaces what the env would write: not known from the input.
    let mounted = conf(
        "[]",
        "[{name: c, mountPath: /opt/bitnami/redis/mounted-etc}]",
    );
    assert_eq!(mounted, None);
}

/// bitnami's `redis-cluster` image starts through its own `entrypoint.sh run.sh`, which
/// writes `redis.conf` from the env and runs `redis-server --include` on it
/// (`bitnami_cluster_image.rs`): the chart's form (a `bash -c` script copying the chart's
/// `redis-default.conf` first), the image's own default command, a mounted `redis.conf`
/// whose ConfigMap the input lacks, and TLS.
#[test]
fn bitnami_cluster_image_runs_redis_on_the_configuration_its_scripts_write() {
    let server = |container: &str, extra: &str| {
        let m = model(&format!(
            "kind: StatefulSet\nmetadata: {{name: c}}\nspec:\n  replicas: 6\n  template:\n    spec:\n      containers:\n{container}      volumes:\n        - {{name: default-config, configMap: {{name: c-default}}}}\n        - {{name: empty-dir, emptyDir: {{}}}}\n        - {{name: conf, configMap: {{name: absent}}}}\n---\nkind: ConfigMap\nmetadata: {{name: c-default}}\ndata:\n  redis-default.conf: |\n    bind 127.0.0.1 -::1\n    appendonly no\n    dir /bitnami/redis/data\n    cluster-enabled yes\n    cluster-config-file /bitnami/redis/data/nodes.conf\n{extra}"
        ));
        let server = m.workloads[0].containers[0].server.clone();
        (server, m.sets.first().map(|s| s.topology))
    };
    let get = |conf: &super::Conf, k: &str| conf.last(k).map(|s| s.directive.args.join(" "));
    let chart = concat!(
        "        - name: c\n          image: docker.io/bitnami/redis-cluster:8.2.1-debian-12-r0\n",
        "          command: ['/bin/bash', '-c']\n",
        "          args:\n            - |\n",
        "              if ! [[ -f /opt/bitnami/redis/etc/redis.conf ]]; then\n",
        "                  cp /opt/bitnami/redis/etc/redis-default.conf /opt/bitnami/redis/etc/redis.conf\n",
        "              fi\n",
        "              /opt/bitnami/scripts/redis-cluster/entrypoint.sh /opt/bitnami/scripts/redis-cluster/run.sh --maxmemory-policy allkeys-lru\n",
        "          env:\n",
        "            - {name: REDIS_PASSWORD_FILE, value: /opt/bitnami/redis/secrets/redis-password}\n",
        "            - {name: REDIS_AOF_ENABLED, value: 'yes'}\n",
        "          ports: [{containerPort: 6379}, {containerPort: 16379}]\n",
        "          volumeMounts:\n",
        "            - {name: default-config, mountPath: /opt/bitnami/redis/etc/redis-default.conf, subPath: redis-default.conf}\n",
        "            - {name: empty-dir, mountPath: /opt/bitnami/redis/etc/, subPath: app-conf-dir}\n",
    );
    let (chart_server, topology) = server(chart, "");
    let chart_server = chart_server.expect("the chart's container runs Redis");
    assert_eq!(chart_server.role, Role::Redis);
    assert_eq!(topology, Some(Topology::Cluster));
    let conf = chart_server
        .conf
        .expect("configuration known from the input");
    // The chart's file, then what `redis_configure_default` and `run.sh` set over it.
    assert_eq!(get(&conf, "bind").as_deref(), Some("0.0.0.0 ::"));
    assert_eq!(get(&conf, "appendonly").as_deref(), Some("yes"));
    assert_eq!(
        get(&conf, "requirepass").as_deref(),
        Some("$REDIS_PASSWORD")
    );
    assert_eq!(get(&conf, "masterauth").as_deref(), Some("$REDIS_PASSWORD"));
    assert_eq!(
        get(&conf, "maxmemory-policy").as_deref(),
        Some("allkeys-lru")
    );
    assert_eq!(get(&conf, "maxmemory"), None);

    // No command: the image's `entrypoint.sh run.sh` on its own `redis-default.conf`.
    let (plain, topology) = server(
        "        - {name: c, image: 'bitnami/redis-cluster:7.2', env: [{name: ALLOW_EMPTY_PASSWORD, value: 'yes'}], ports: [{containerPort: 6379}]}\n",
        "",
    );
    let conf = plain
        .expect("a server")
        .conf
        .expect("the image's configuration");
    assert_eq!(topology, Some(Topology::Cluster));
    assert_eq!(get(&conf, "cluster-enabled").as_deref(), Some("yes"));
    assert_eq!(get(&conf, "dir").as_deref(), Some("/bitnami/redis/data"));
    assert_eq!(get(&conf, "protected-mode").as_deref(), Some("no"));
    assert_eq!(get(&conf, "requirepass"), None);

    // A `redis.conf` mounted from a ConfigMap the input does not hold, or TLS: a Redis
    // server whose configuration is not known.
    let (absent, _) = server(
        "        - {name: c, image: 'bitnami/redis-cluster:7.2', volumeMounts: [{name: conf, mountPath: /opt/bitnami/redis/mounted-etc}]}\n",
        "",
    );
    let absent = absent.expect("a server");
    assert_eq!((absent.role, absent.conf), (Role::Redis, None));
    let (tls, _) = server(
        "        - {name: c, image: 'bitnami/redis-cluster:7.2', env: [{name: REDIS_TLS_ENABLED, value: 'yes'}]}\n",
        "",
    );
    assert_eq!(tls.expect("a server").conf, None);
}

/// A library sourced by a library (through a variable) is read too: the function that
/// starts the server is found two `source`s away, bound to its call's arguments.
#[test]
fn files_sourced_by_sourced_files_are_followed() {
    let m = model(concat!(
        "kind: Deployment\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers:\n",
        "        - name: redis\n          image: 'redis:7.2.4'\n          command: [sh, -c, '. /lib/a.sh; run /lib/r.conf --maxmemory 1mb']\n",
        "          volumeMounts: [{name: lib, mountPath: /lib}]\n",
        "      volumes: [{name: lib, configMap: {name: lib}}]\n",
        "---\nkind: ConfigMap\nmetadata: {name: lib}\ndata:\n",
        "  a.sh: \"LIB=/lib\\n. $LIB/b.sh\\n\"\n",
        "  b.sh: \"run() {\\n  exec redis-server \\\"$@\\\"\\n}\\n\"\n",
        "  r.conf: \"appendonly yes\\n\"\n",
    ));
    let conf = m.workloads[0].containers[0]
        .server
        .as_ref()
        .expect("a server")
        .conf
        .as_ref()
        .expect("its file, from the call's arguments");
    assert_eq!(conf.path.as_deref(), Some("/lib/r.conf"));
    assert_eq!(conf.value(&["maxmemory"]).map(|(v, _)| v), Some("1mb"));
    assert_eq!(conf.value(&["appendonly"]).map(|(v, _)| v), Some("yes"));
}

/// A Sentinel configuration written by one `echo "…"` over several lines is read (a public
/// guide's form; issue 11): its monitor and timings are known, not "configuration unknown".
#[test]
fn a_multi_line_echo_writes_the_sentinel_configuration() {
    let m = model(concat!(
        "kind: StatefulSet\nmetadata: {name: s}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n",
        "        - name: sentinel\n          image: 'redis:7.2.4'\n          command: [sh, -c]\n",
        "          args:\n            - |\n",
        "              echo \"port 26379\n",
        "              sentinel monitor mymaster redis-0.redis 6379 2\n",
        "              sentinel down-after-milliseconds mymaster 5000\" > /tmp/sentinel.conf\n",
        "              exec redis-server /tmp/sentinel.conf --sentinel\n",
    ));
    let server = m.workloads[0].containers[0]
        .server
        .as_ref()
        .expect("a server");
    assert_eq!(server.role, Role::Sentinel);
    let conf = server.conf.as_ref().expect("the echoed file");
    let down_after: Vec<Option<&str>> = conf
        .sentinel("down-after-milliseconds")
        .map(|s| s.arg(2))
        .collect();
    assert_eq!(down_after, [Some("5000")]);
    assert_eq!(conf.sentinel("monitor").count(), 1);
}

/// A Redis image started by a program the input does not show (tarosky/k8s-redis-ha: an
/// init container puts `/opt/bin/k8s-redis-ha-server` in place): a server by its port, its
/// configuration unknown, so the pod-spec rules run and no setting is judged. Port 6379
/// alone is Redis even with `SENTINEL` env (where its Sentinels are); without a Redis port
/// nothing is assumed.
#[test]
fn a_redis_image_started_by_an_unseen_program_is_a_server_by_its_port() {
    let m = model(
        "kind: StatefulSet\nmetadata: {name: a}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: server, image: 'redis:3.2', command: [/opt/bin/k8s-redis-ha-server], args: [/opt/redis.conf], env: [{name: SENTINEL, value: redis-sentinel}], ports: [{containerPort: 6379}]}\n        - {name: watcher, image: 'redis:3.2', command: [/opt/bin/k8s-redis-ha-sentinel], ports: [{containerPort: 26379}]}\n        - {name: tool, image: 'redis:3.2', command: [/opt/bin/tool]}\n",
    );
    assert_eq!(
        roles(&m),
        vec![
            ("server".to_string(), Some(Role::Redis)),
            ("watcher".to_string(), Some(Role::Sentinel)),
            ("tool".to_string(), None),
        ]
    );
    let server = m.workloads[0].containers[0].server.as_ref().unwrap();
    assert!(server.conf.is_none());
}
