//! Closings (api.md §10) on both backends: the table, its guards, the Z counter, and what a
//! closing reads from and writes to operations and the journal.

use openfiskal_store::repo::closings::{self, ClosingRow};
use openfiskal_store::repo::fiscal_units::{self, FiscalUnitRow};
use openfiskal_store::repo::journal::{self, JournalRow};
use openfiskal_store::repo::operations::{self, OperationRow};
use openfiskal_store::repo::registers::{self, RegisterRow};
use openfiskal_store::repo::{locations, orgs};
use openfiskal_store::{ConflictKind, PageQuery, StoreError};
use openfiskal_testkit::both_stores;

use crate::{loc, org};

fn register(id: &str) -> RegisterRow {
    RegisterRow {
        id: id.into(),
        organization_id: "org_a".into(),
        location_id: "loc_a".into(),
        label: "Kasse".into(),
        jurisdiction: openfiskal_core::Jurisdiction::De,
        serial_number: None,
        metadata: "{}".into(),
        heartbeat_interval_seconds: 60,
        device: None,
        state: openfiskal_core::RegisterState::Active,
        current_fiscal_unit_id: None,
        archived_at: None,
        last_heartbeat_at: None,
        last_heartbeat_sequence: None,
        self_reported_status: None,
        clock_skew_seconds: None,
        heartbeat_metrics: None,
        software: None,
        created_at: 1,
        updated_at: 1,
    }
}

pub(crate) fn unit(id: &str, register: &str, provisioned_at: i64, state: &str) -> FiscalUnitRow {
    FiscalUnitRow {
        id: id.into(),
        organization_id: "org_a".into(),
        register_id: register.into(),
        jurisdiction: openfiskal_core::Jurisdiction::De,
        state: state.parse().unwrap(),
        fiscal_registration: None,
        configuration: "{}".into(),
        reason: None,
        reason_code: None,
        replaces: None,
        replaced_by: None,
        provisioned_at: Some(provisioned_at),
        decommissioned_at: None,
        metadata: "{}".into(),
        signature_counter: 0,
        transaction_counter: 0,
        chain_state: None,
        state_changed_at: provisioned_at,
        created_at: provisioned_at,
    }
}

pub(crate) fn op(id: &str, seq: i64, state: &str, fiscal_state: &str, ended: Option<i64>) -> OperationRow {
    OperationRow {
        id: id.into(),
        organization_id: "org_a".into(),
        location_id: "loc_a".into(),
        register_id: "reg_a".into(),
        fiscal_unit_id: "fu_a".into(),
        kind: if id.contains("void") { "void".into() } else { "cash_movement".into() },
        state: state.parse().unwrap(),
        fiscal_state: fiscal_state.parse().unwrap(),
        client_operation_id: None,
        client_fingerprint: None,
        external_id: None,
        sequence_number: seq,
        cashier: "{}".into(),
        refs: "{}".into(),
        data: r#"{"direction":"in","amount":1}"#.into(),
        fiscal: "{}".into(),
        warnings: "[]".into(),
        metadata: "{}".into(),
        closing_id: None,
        resource_version: 1,
        occurred_at: None,
        completed_occurred_at: None,
        started_at: 0,
        completed_at: if state == "completed" { ended } else { None },
        cancelled_at: if state == "cancelled" { ended } else { None },
        cancellation_reason: None,
        created_at: 0,
        updated_at: 0,
        inputs: "{}".into(),
        original_operation_id: None,
        issuer: None,
    }
}

pub(crate) fn closing(id: &str, kind: &str, from: i64, to: i64, z: Option<i64>) -> ClosingRow {
    ClosingRow {
        id: id.into(),
        organization_id: "org_a".into(),
        location_id: "loc_a".into(),
        register_id: "reg_a".into(),
        fiscal_unit_id: "fu_a".into(),
        kind: kind.into(),
        trigger: "manual".into(),
        state: "completed".into(),
        business_date: "2026-02-26".into(),
        period_from: from,
        period_to: to,
        z_number: z,
        summary: "{}".into(),
        fiscal: None,
        error: None,
        metadata: "{}".into(),
        created_at: to,
        completed_at: Some(to),
    }
}

pub(crate) async fn seed(db: &openfiskal_testkit::TestDb) {
    let mut tx = db.store.begin().await.unwrap();
    orgs::insert(&mut tx, &org("org_a", 1)).await.unwrap();
    orgs::insert(&mut tx, &org("org_b", 1)).await.unwrap();
    locations::insert(&mut tx, &loc("loc_a", "org_a", 1)).await.unwrap();
    registers::insert(&mut tx, &register("reg_a")).await.unwrap();
    fiscal_units::insert(&mut tx, &unit("fu_old", "reg_a", 50, "decommissioned")).await.unwrap();
    fiscal_units::insert(&mut tx, &unit("fu_a", "reg_a", 70, "active")).await.unwrap();
    tx.commit().await.unwrap();
}

both_stores! {
    async fn closings_round_trip_with_their_guards(db) {
        seed(&db).await;
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(closings::first_provisioned_at(&mut tx, "reg_a").await.unwrap(), Some(50));
        assert_eq!(closings::last_daily_end(&mut tx, "reg_a").await.unwrap(), None);
        closings::insert(&mut tx, &closing("cls_1", "daily", 50, 100, Some(1))).await.unwrap();
        closings::insert(&mut tx, &closing("cls_2", "shift", 100, 150, None)).await.unwrap();
        closings::insert(&mut tx, &closing("cls_3", "monthly", 0, 200, None)).await.unwrap();
        closings::insert(&mut tx, &closing("cls_4", "daily", 100, 100, Some(2))).await.unwrap();
        closings::insert(&mut tx, &closing("cls_5", "daily", 100, 120, Some(3))).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = db.store.read().await.unwrap();
        assert_eq!(closings::get(&mut c, "org_a", "cls_1").await.unwrap(), Some(closing("cls_1", "daily", 50, 100, Some(1))));
        assert_eq!(closings::get(&mut c, "org_b", "cls_1").await.unwrap(), None, "another tenant's closing is invisible");
        assert_eq!(closings::last_daily_end(&mut c, "reg_a").await.unwrap(), Some(120));
        assert_eq!(closings::last_shift_or_daily_end(&mut c, "reg_a").await.unwrap(), Some(150));
        assert_eq!(closings::find_period(&mut c, "org_a", "reg_a", "monthly", 0).await.unwrap().unwrap().id, "cls_3");
        assert!(closings::find_period(&mut c, "org_a", "reg_a", "annual", 0).await.unwrap().is_none());
        let q = |limit| PageQuery { limit, ..Default::default() };
        let all = closings::list(&mut c, "org_a", "reg_a", None, None, &q(10)).await.unwrap();
        assert_eq!(all.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), ["cls_3", "cls_2", "cls_5", "cls_4", "cls_1"]);
        let daily = closings::list(&mut c, "org_a", "reg_a", Some("daily"), Some("completed"), &q(2)).await.unwrap();
        assert_eq!((daily.items.len(), daily.has_more), (2, true));
        assert!(closings::list(&mut c, "org_a", "reg_a", None, Some("failed"), &q(10)).await.unwrap().items.is_empty());
        assert!(closings::list(&mut c, "org_b", "reg_a", None, None, &q(10)).await.unwrap().items.is_empty());
        drop(c);
        // One monthly closing per period; daily and shift periods may repeat; a Z number never does.
        let mut tx = db.store.begin().await.unwrap();
        let e = closings::insert(&mut tx, &closing("cls_6", "monthly", 0, 200, None)).await.unwrap_err();
        assert_eq!(e.unique_constraint(), Some("closings_one_per_period"));
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        let e = closings::insert(&mut tx, &closing("cls_7", "daily", 120, 130, Some(3))).await.unwrap_err();
        assert_eq!(e.unique_constraint(), Some("closings_z_number"));
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        closings::insert(&mut tx, &closing("cls_8", "shift", 100, 160, None)).await.unwrap();
        closings::insert(&mut tx, &closing("cls_9", "annual", 0, 200, None)).await.unwrap();
        tx.commit().await.unwrap();
    }
}

both_stores! {
    async fn the_z_counter_neither_repeats_nor_skips(db) {
        seed(&db).await;
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(closings::z_counter(&mut tx, "reg_a").await.unwrap(), 0);
        assert_eq!(closings::advance_z_counter(&mut tx, "reg_a", 0).await.unwrap(), 1);
        assert!(matches!(closings::advance_z_counter(&mut tx, "reg_a", 0).await, Err(StoreError::Conflict { kind: ConflictKind::Stale, .. })), "stale");
        assert_eq!(closings::advance_z_counter(&mut tx, "reg_a", 1).await.unwrap(), 2);
        drop(tx);
        let mut c = db.store.read().await.unwrap();
        assert_eq!(closings::z_counter(&mut c, "reg_a").await.unwrap(), 0, "rolled back with its transaction");
    }
}

both_stores! {
    async fn closings_read_and_claim_operations(db) {
        seed(&db).await;
        let mut tx = db.store.begin().await.unwrap();
        for o in [
            op("op_before", 1, "completed", "succeeded", Some(99)),
            op("op_from", 2, "completed", "failed", Some(100)),
            op("op_cancel", 3, "cancelled", "succeeded", Some(150)),
            op("op_pending", 4, "completed", "pending", Some(150)),
            op("op_open", 5, "open", "succeeded", None),
            op("op_to", 6, "completed", "succeeded", Some(200)),
            op("op_void", 7, "completed", "succeeded", Some(199)),
        ] {
            operations::insert(&mut tx, &o).await.unwrap();
        }
        tx.commit().await.unwrap();
        let mut c = db.store.read().await.unwrap();
        let ids = |rows: Vec<closings::ClosedOperationRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
        // [from, to): ended at `from` is in, at `to` is out; open and completed + pending never count.
        assert_eq!(
            ids(closings::operations_ended_in(&mut c, "org_a", "reg_a", 100, 200).await.unwrap()),
            ["op_from", "op_cancel", "op_void"]
        );
        assert!(closings::operations_ended_in(&mut c, "org_b", "reg_a", 0, 1_000).await.unwrap().is_empty());
        assert_eq!(closings::operation_type(&mut c, "org_a", "op_void").await.unwrap().as_deref(), Some("void"));
        assert_eq!(closings::operation_type(&mut c, "org_b", "op_void").await.unwrap(), None);
        drop(c);

        // A daily closing claims everything uncovered that ended before `to`, unbounded below.
        let mut tx = db.store.begin().await.unwrap();
        let claimed = closings::claim_uncovered_operations(&mut tx, "org_a", "reg_a", "cls_d1", 200, 500).await.unwrap();
        assert!(claimed.iter().all(|r| r.closing_id.as_deref() == Some("cls_d1")));
        assert_eq!(ids(claimed), ["op_before", "op_from", "op_cancel", "op_void"]);
        assert!(closings::claim_uncovered_operations(&mut tx, "org_a", "reg_a", "cls_d2", 200, 500).await.unwrap().is_empty());
        let later = closings::claim_uncovered_operations(&mut tx, "org_a", "reg_a", "cls_d2", 1_000, 600).await.unwrap();
        assert_eq!(ids(later), ["op_to"]);
        let covered = operations::get(&mut tx, "org_a", "op_before").await.unwrap().unwrap();
        assert_eq!((covered.closing_id.as_deref(), covered.resource_version, covered.updated_at), (Some("cls_d1"), 2, 500));
        let open = operations::get(&mut tx, "org_a", "op_open").await.unwrap().unwrap();
        assert_eq!((open.closing_id, open.resource_version), (None, 1));
        assert_eq!(operations::get(&mut tx, "org_a", "op_pending").await.unwrap().unwrap().closing_id, None);

        // The closing's signed logs are marked as the closing's.
        for counter in 1..=3 {
            journal::insert(&mut tx, &JournalRow {
                id: format!("jrn_{counter}"),
                organization_id: "org_a".into(),
                fiscal_unit_id: "fu_a".into(),
                counter,
                kind: "transaction_start".into(),
                operation_id: Some("cls_d2".into()),
                closing_id: None,
                signed_at: Some(1),
                signature: None,
                record: vec![0x30, 0x00],
                record_format: "der_log_message".into(),
                hash: None,
                fiscal: None,
                created_at: 1,
            }).await.unwrap();
        }
        closings::claim_journal_entries(&mut tx, "fu_a", "cls_d2", &[2, 3]).await.unwrap();
        tx.commit().await.unwrap();
        let mut c = db.store.read().await.unwrap();
        let page = journal::list(&mut c, "org_a", "fu_a", 0, None, &PageQuery { limit: 10, ..Default::default() }).await.unwrap();
        let marks: Vec<(Option<&str>, Option<&str>)> =
            page.items.iter().map(|j| (j.operation_id.as_deref(), j.closing_id.as_deref())).collect();
        assert_eq!(marks, [(Some("cls_d2"), None), (None, Some("cls_d2")), (None, Some("cls_d2"))]);
    }
}
