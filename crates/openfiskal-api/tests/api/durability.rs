//! What the till is promised about every signed record (api.md §1.9, §7; ARCHITECTURE.md §5–§7):
//! concurrent completes on several units give each unit gapless counters and every operation
//! exactly one finish, and a commit that fails acknowledges nothing and consumes no counter.

use base64::Engine;

use crate::operations::{cash, de};
use crate::*;
use openfiskal_testkit::both_backends;

/// The unit's journal counters (all pages) and, for each entry, its verified signature counter.
async fn journal(app: &TestApp, key: &str, fu: &str, point: &[u8]) -> Vec<(i64, Option<String>)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/fiscal-units/{fu}/journal?limit=100");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.send("GET", &path, &[("authorization", key)], None).await.expect(200, None);
        for e in page["data"].as_array().unwrap() {
            let der = base64::engine::general_purpose::STANDARD.decode(e["record"].as_str().unwrap()).unwrap();
            let (parts, _) = openfiskal_de_tse::verify_log_message(&der, point).expect("every log verifies");
            assert_eq!(parts.signature_counter, e["counter"].as_u64().unwrap());
            out.push((e["counter"].as_i64().unwrap(), e["operation_id"].as_str().map(str::to_owned)));
        }
        if page["has_more"] != true {
            break;
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        assert!(cursor.is_some(), "has_more without a cursor: {page}");
    }
    out.sort();
    out
}

both_backends! {
    /// 64 completes at once over 4 units: every one answered `completed` + `succeeded`, each
    /// unit's counters exactly 1..n, each operation with one start and one finish.
    async fn sixty_four_concurrent_completes_over_four_units_stay_gapless(app) {
        let first = de(&app).await;
        let key = bearer(&first.w.org_key);
        let mut units = vec![(first.reg.clone(), first.fu.clone(), first.point.clone())];
        for label in ["Kasse 2", "Kasse 3", "Kasse 4"] {
            let reg = app.create_register(&first.w.org_key, &first.w.location, "DE", label).await;
            let p = app.provision(&first.w.org_key, &reg, None).await.expect(201, None);
            let point = base64::engine::general_purpose::STANDARD
                .decode(p["fiscal_unit"]["fiscal_registration"]["public_key"].as_str().unwrap())
                .unwrap();
            units.push((reg, p["fiscal_unit"]["id"].as_str().unwrap().to_owned(), point));
        }
        let mut ids = Vec::new();
        for i in 0..64 {
            let (reg, _, _) = &units[i % 4];
            let path = format!("/v1/registers/{reg}/cash-movements");
            let op = app.send("POST", &path, &[("authorization", &key)], Some(&cash("in", 100))).await.expect(201, None);
            ids.push(op["id"].as_str().unwrap().to_owned());
        }
        let app = std::sync::Arc::new(app);
        let tasks: Vec<_> = ids
            .iter()
            .map(|id| {
                let (app, key, id) = (app.clone(), key.clone(), id.clone());
                tokio::spawn(async move {
                    let path = format!("/v1/cash-movements/{id}/complete");
                    app.send("POST", &path, &[("authorization", &key)], None).await
                })
            })
            .collect();
        for t in tasks {
            let done = t.await.unwrap().expect(200, None);
            assert_eq!((done["state"].as_str(), done["fiscal_state"].as_str()), (Some("completed"), Some("succeeded")));
        }
        for (_, fu, point) in &units {
            let entries = journal(&app, &key, fu, point).await;
            let counters: Vec<i64> = entries.iter().map(|(c, _)| *c).collect();
            // Two initialisation logs, then a start and a finish for each of its 16 operations.
            assert_eq!(counters, (1..=2 + 32).collect::<Vec<i64>>(), "gapless on {fu}");
            let mut per_op = std::collections::HashMap::<String, usize>::new();
            for (_, op) in entries.iter().filter_map(|(c, op)| op.as_ref().map(|o| (c, o))) {
                *per_op.entry(op.clone()).or_default() += 1;
            }
            assert_eq!(per_op.len(), 16);
            assert!(per_op.values().all(|n| *n == 2), "one start and one finish each: {per_op:?}");
        }
    }
}

both_backends! {
    /// A commit that fails (a fault injected into the store's commit) answers 503, stores nothing,
    /// signs nothing that stays, and the same request retried with its Idempotency-Key succeeds with
    /// the next counters: no gap, no duplicate.
    async fn a_failed_commit_acknowledges_nothing_and_leaves_no_gap(app) {
        let d = de(&app).await;
        let key = bearer(&d.w.org_key);
        let path = format!("/v1/registers/{}/cash-movements", d.reg);
        let open = app.send("POST", &path, &[("authorization", &key)], Some(&cash("in", 100))).await.expect(201, None);
        let id = open["id"].as_str().unwrap();
        let before = journal(&app, &key, &d.fu, &d.point).await;
        let complete = format!("/v1/cash-movements/{id}/complete");
        let h = [("authorization", key.as_str()), ("idempotency-key", "3f1c2a4e-0000-4000-8000-000000000001")];

        app.store.fail_next_commits(1);
        let failed = app.send("POST", &complete, &h, None).await;
        let e = failed.expect(503, Some("service_unavailable"));
        assert_eq!(e["retryable"], true);
        let still = app.send("GET", &format!("/v1/cash-movements/{id}"), &[("authorization", &key)], None).await;
        assert_eq!((still.json()["state"].as_str(), still.header("etag")), (Some("open"), open_etag(&open)));
        assert_eq!(journal(&app, &key, &d.fu, &d.point).await, before, "nothing journalled, no counter used");

        // The retry with the same key runs (nothing was stored under it) and takes the next counter.
        let done = app.send("POST", &complete, &h, None).await;
        assert_eq!(done.header("idempotent-replayed"), None);
        let done = done.expect(200, None);
        assert_eq!(done["state"], "completed");
        let after = journal(&app, &key, &d.fu, &d.point).await;
        assert_eq!(after.len(), before.len() + 1);
        assert_eq!(done["fiscal"]["end_event"]["transaction_counter"], after.last().unwrap().0);

        // A one-shot whose commit fails leaves no operation behind; its retry creates exactly one.
        let operations = app.count("operations").await;
        let mut one = cash("out", 50);
        one["complete"] = json!(true);
        let h = [("authorization", key.as_str()), ("idempotency-key", "3f1c2a4e-0000-4000-8000-000000000002")];
        app.store.fail_next_commits(1);
        app.send("POST", &path, &h, Some(&one)).await.expect(503, Some("service_unavailable"));
        assert_eq!(app.count("operations").await, operations);
        assert_eq!(journal(&app, &key, &d.fu, &d.point).await, after);
        app.send("POST", &path, &h, Some(&one)).await.expect(201, None);
        assert_eq!(app.count("operations").await, operations + 1);
        let last = journal(&app, &key, &d.fu, &d.point).await;
        let counters: Vec<i64> = last.iter().map(|(c, _)| *c).collect();
        assert_eq!(counters, (1..=i64::try_from(last.len()).unwrap()).collect::<Vec<_>>(), "gapless");
    }
}

fn open_etag(op: &Value) -> Option<String> {
    op["resource_version"].as_i64().map(|v| format!("\"{v}\""))
}

both_backends! {
    /// 48 one-shot sales at once on one unit while commits fail (a fault injected into three
    /// commits, each failing a whole SQLite batch): every `201` is stored exactly once, every `503`
    /// left nothing, and the unit's journal stays 1..n with one start and one finish per stored
    /// operation: a step that signed on top of a batch that then failed was signed again.
    async fn one_unit_under_failing_commits_stores_exactly_what_it_acknowledged(app) {
        let d = de(&app).await;
        let key = bearer(&d.w.org_key);
        let path = format!("/v1/registers/{}/cash-movements", d.reg);
        let operations = app.count("operations").await;
        app.store.fail_next_commits(3);
        let app = std::sync::Arc::new(app);
        let tasks: Vec<_> = (0..48)
            .map(|_| {
                let (app, key, path) = (app.clone(), key.clone(), path.clone());
                tokio::spawn(async move {
                    let mut one = cash("in", 100);
                    one["complete"] = json!(true);
                    app.send("POST", &path, &[("authorization", &key)], Some(&one)).await
                })
            })
            .collect();
        let mut acknowledged = Vec::new();
        let mut refused = 0;
        for t in tasks {
            let res = t.await.unwrap();
            match res.status.as_u16() {
                201 => acknowledged.push(res.json()["id"].as_str().unwrap().to_owned()),
                503 => refused += 1,
                other => panic!("unexpected {other}: {}", res.json()),
            }
        }
        assert!(refused >= 3, "three failed commits refuse at least three sales, got {refused}");
        assert_eq!(app.count("operations").await, operations + i64::try_from(acknowledged.len()).unwrap());
        let entries = journal(&app, &key, &d.fu, &d.point).await;
        let counters: Vec<i64> = entries.iter().map(|(c, _)| *c).collect();
        assert_eq!(counters, (1..=i64::try_from(entries.len()).unwrap()).collect::<Vec<_>>(), "gapless");
        let mut per_op = std::collections::HashMap::<String, usize>::new();
        for op in entries.iter().filter_map(|(_, op)| op.clone()) {
            *per_op.entry(op).or_default() += 1;
        }
        let mut stored: Vec<&String> = per_op.keys().collect();
        stored.sort();
        acknowledged.sort();
        assert_eq!(stored, acknowledged.iter().collect::<Vec<_>>(), "the journal holds exactly the acknowledged sales");
        assert!(per_op.values().all(|n| *n == 2), "one start and one finish each: {per_op:?}");
    }
}
