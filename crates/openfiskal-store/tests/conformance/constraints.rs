//! Unique constraints carry one name on both backends (`StoreError::Conflict { constraint }`):
//! the schema's unique indexes are exactly `UNIQUE_CONSTRAINTS`, and real violations written
//! through the repository functions report those names.

use openfiskal_store::repo::{closings, fiscal_units, operations, orgs};
use openfiskal_store::{ConflictKind, StoreError, UNIQUE_CONSTRAINTS};
use openfiskal_testkit::both_stores;

use crate::closings::{closing, op, seed, unit};
use crate::org;

both_stores! {
    async fn every_unique_index_has_its_postgresql_name(db) {
        let mut expected: Vec<(String, String)> =
            UNIQUE_CONSTRAINTS.iter().map(|(_, t, cols)| ((*t).to_owned(), cols.join(","))).collect();
        expected.sort();
        let found = db.store.unique_indexes().await.unwrap();
        let mut tables: Vec<(String, String)> = found.iter().map(|(_, t, cols)| (t.clone(), cols.clone())).collect();
        tables.sort();
        assert_eq!(tables, expected, "UNIQUE_CONSTRAINTS lists every unique index, and nothing else");
        for (name, table, cols) in &found {
            if name.starts_with("sqlite_autoindex_") {
                continue;
            }
            let listed = UNIQUE_CONSTRAINTS.iter().find(|(_, t, c)| t == table && c.join(",") == *cols).unwrap();
            assert_eq!(listed.0, name, "{table} ({cols})");
        }
    }
}

/// The constraint a failed write names, asserting it is a unique violation.
fn unique(r: Result<(), StoreError>) -> String {
    match r {
        Err(StoreError::Conflict { kind: ConflictKind::Unique, constraint }) => constraint,
        other => panic!("not a unique violation: {other:?}"),
    }
}

both_stores! {
    async fn unique_violations_name_their_constraint(db) {
        seed(&db).await;
        let mut first = op("op_1", 1, "completed", "succeeded", Some(80));
        first.client_operation_id = Some("pos-1".into());
        let mut tx = db.store.begin().await.unwrap();
        operations::insert(&mut tx, &first).await.unwrap();
        closings::insert(&mut tx, &closing("cls_1", "daily", 50, 100, Some(1))).await.unwrap();
        closings::insert(&mut tx, &closing("cls_2", "monthly", 0, 200, None)).await.unwrap();
        tx.commit().await.unwrap();

        let mut client_id = op("op_2", 2, "open", "pending", None);
        client_id.client_operation_id = Some("pos-1".into());
        let mut current = unit("fu_b", "reg_a", 90, "active");
        current.state = openfiskal_core::FiscalUnitState::Error;
        // One transaction per write: a failed statement aborts a PostgreSQL transaction.
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(unique(orgs::insert(&mut tx, &org("org_a", 1)).await), "organizations_pkey");
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(unique(operations::insert(&mut tx, &client_id).await), "operations_client_id");
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(unique(operations::insert(&mut tx, &op("op_3", 1, "open", "pending", None)).await),
            "operations_register_id_sequence_number_key");
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(unique(fiscal_units::insert(&mut tx, &current).await), "fiscal_units_one_current");
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(unique(closings::insert(&mut tx, &closing("cls_3", "monthly", 0, 300, None)).await),
            "closings_one_per_period");
        drop(tx);
        let mut tx = db.store.begin().await.unwrap();
        assert_eq!(unique(closings::insert(&mut tx, &closing("cls_4", "daily", 100, 150, Some(1))).await),
            "closings_z_number");
        drop(tx);
    }
}
