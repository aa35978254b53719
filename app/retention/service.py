"""Retention policies, their simulation and their runs; legal holds by ticket, person, tag.

`simulate` shows what a run would do now (counts, held, masked samples, month by month)
and the digest of the exact id set. `start` (step-up) freezes that set in a run — or
returns the run of this policy that is unfinished (resumable after a crash, a kill or a
cancel) — and `run` processes it in batches, each one transaction that changes its records
*and* advances the run's checkpoint. At the end the WAL is checkpointed (TRUNCATE), a
certificate (counts and hashes, no personal data) is written to exports/, and the run is
audited; its plan digest equals the simulation's when nothing changed in between.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import busy
from app.clock import utc_iso
from app.dsar import tombstones
from app.jobs import Cancelled, JobControl
from app.redaction import store as rules_store
from app.redaction.engine import RedactionEngine
from app.redaction.history import checkpoint_wal
from app.retention import apply
from app.retention.policies import ZENDESK_RULES, Policy, RetentionError, check, policy_of
from app.retention.selection import ids_digest, select_records
from app.security.guard import Service
from app.security.permissions import Permission
from models.dsar import DsarHold
from models.inventory import RetentionHold, RetentionPolicy, RetentionRun

BATCH = 100
RESUMABLE = ("running", "cancelled")
P = Permission


@dataclass(frozen=True)
class Simulation:
    policy: Policy
    count: int
    held: int
    samples: tuple[dict[str, Any], ...]
    months: dict[str, int]
    plan_sha256: str
    ids: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy.name,
            "target": self.policy.target,
            "action": self.policy.action,
            "count": self.count,
            "held": self.held,
            "samples": list(self.samples),
            "months": self.months,
            "plan_sha256": self.plan_sha256,
            "zendesk": list(ZENDESK_RULES),
        }


@dataclass(frozen=True)
class RunInfo:
    id: int
    policy: str
    status: str
    total: int
    done: int
    held: int
    counts: dict[str, int]
    certificate: str  # the certificate file ("" until done)
    started_at: str = ""
    finished_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        deleted = sum(
            v for k, v in self.counts.items() if k in ("tickets_deleted", "people_deleted")
        )
        if "attachments_removed" in self.counts:
            deleted = self.counts["attachments_removed"]
        return {
            "run": self.id,
            "policy": self.policy,
            "status": self.status,
            "total": self.total,
            "done": self.done,
            "deleted": deleted,
            "held": self.held,
            "counts": self.counts,
            "certificate": self.certificate,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


@dataclass(frozen=True)
class HoldInfo:
    id: str  # "ds-3" (a DSAR hold) or "tag-1"
    kind: str  # ticket | person | tag
    ref: str
    basis: str
    reason: str
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "ref": self.ref,
            "basis": self.basis,
            "reason": self.reason,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


def _plan(run: RetentionRun) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run.plan_json)
    return data


def _info(run: RetentionRun, name: str) -> RunInfo:
    plan = _plan(run)
    return RunInfo(
        run.id,
        name,
        run.status,
        len(plan["ids"]),
        run.done,
        len(plan["held"]),
        json.loads(run.counts_json or "{}"),
        run.certificate_path,
        run.started_at,
        run.finished_at,
    )


class RetentionService(Service):
    """The privacy officer's retention policies and legal holds; the auditor reads them."""

    # ------------------------------------------------------------ policies

    def policies(self) -> list[Policy]:
        with self.authorized(P.INVENTORY_VIEW, action="retention.list") as (s, _a):
            rows = s.scalars(select(RetentionPolicy).order_by(RetentionPolicy.name)).all()
            self.audit(s, "retention.list", details={"count": len(rows)})
            return [policy_of(r) for r in rows]

    def add(self, policy: Policy) -> Policy:
        check(policy)
        with self.authorized(P.INVENTORY_MANAGE, action="retention.add") as (s, actor):
            if s.scalar(select(RetentionPolicy.id).where(RetentionPolicy.name == policy.name)):
                raise RetentionError(f"a policy named {policy.name!r} exists")
            now = utc_iso(self.ctx.clock.now())
            row = RetentionPolicy(
                name=policy.name,
                target=policy.target,
                status=policy.status,
                older_than_days=policy.older_than_days,
                inactive_days=policy.inactive_days,
                tag=policy.tag,
                group_ref=policy.group,
                action=policy.action,
                style=policy.style,
                created_at=now,
                created_by=actor.username,
            )
            s.add(row)
            s.flush()
            self.audit(
                s,
                "retention.add",
                object_type="retention_policy",
                object_id=policy.name,
                details={"target": policy.target, "action": policy.action},
            )
            return policy_of(row)

    def show(self, name: str) -> tuple[Policy, list[RunInfo]]:
        """The policy and its runs, latest first."""
        with self.authorized(P.INVENTORY_VIEW, action="retention.view") as (s, _a):
            row = _policy(s, name)
            runs = s.scalars(
                select(RetentionRun)
                .where(RetentionRun.policy_id == row.id)
                .order_by(RetentionRun.id.desc())
            ).all()
            self.audit(s, "retention.view", object_type="retention_policy", object_id=name)
            return policy_of(row), [_info(r, name) for r in runs]

    def simulate(self, name: str) -> Simulation:
        """What a run would do now; changes nothing."""
        with self.authorized(P.INVENTORY_VIEW, action="retention.simulate") as (s, _a):
            policy = policy_of(_policy(s, name))
            chosen = select_records(s, policy, self.ctx.clock.now())
            engine = self._engine(s)
            sim = Simulation(
                policy,
                len(chosen.ids),
                len(chosen.held),
                tuple(apply.samples(s, policy, chosen.ids, engine)),
                chosen.months,
                chosen.digest,
                chosen.ids,
            )
            self.audit(
                s,
                "retention.simulate",
                object_type="retention_policy",
                object_id=name,
                details={"count": sim.count, "held": sim.held},
            )
            return sim

    def _engine(self, s: Session) -> RedactionEngine:
        infos = rules_store.load_rule_infos(s)
        return rules_store.build_engine(s, [i.rule for i in infos], utc_iso(self.ctx.clock.now()))

    # ------------------------------------------------------------ runs

    def start(self, name: str) -> RunInfo:
        """Freeze what the policy selects now in a run (step-up); an unfinished run of the
        policy is resumed instead."""
        with self.authorized(P.INVENTORY_MANAGE, action="retention.run", step_up=True) as (
            s,
            actor,
        ):
            row = _policy(s, name)
            open_run = s.scalar(
                select(RetentionRun)
                .where(RetentionRun.policy_id == row.id, RetentionRun.status.in_(RESUMABLE))
                .limit(1)
            )
            if open_run is not None:
                open_run.status = "running"
                self.audit(
                    s,
                    "retention.run",
                    object_type="retention_run",
                    object_id=str(open_run.id),
                    details={"policy": name, "resumed_at": open_run.done},
                )
                return _info(open_run, name)
            policy = policy_of(row)
            chosen = select_records(s, policy, self.ctx.clock.now())
            run = RetentionRun(
                policy_id=row.id,
                status="running",
                started_at=utc_iso(self.ctx.clock.now()),
                started_by=actor.username,
                plan_json=json.dumps(
                    {"ids": list(chosen.ids), "held": list(chosen.held), "months": chosen.months}
                ),
                done=0,
                counts_json="{}",
            )
            s.add(run)
            s.flush()
            self.audit(
                s,
                "retention.run",
                object_type="retention_run",
                object_id=str(run.id),
                details={"policy": name, "count": len(chosen.ids), "held": len(chosen.held)},
            )
            return _info(run, name)

    def run(self, run_id: int, control: JobControl | None = None) -> RunInfo:
        """Process a started run to its end, one committed batch at a time."""
        folder, who = self.ctx.workspace.folder, self.principal.username
        with busy.holding(folder, "retention", who, self.ctx.clock):
            info = self._batches(run_id, control or JobControl())
        checkpoint_wal(self.ctx.workspace.engine)
        return info

    def _batches(self, run_id: int, control: JobControl) -> RunInfo:
        engine: RedactionEngine | None = None
        while True:
            with self.authorized(P.INVENTORY_MANAGE, action="retention.batch") as (s, actor):
                run = s.get(RetentionRun, run_id)
                if run is None or run.status != "running":
                    raise RetentionError(f"retention run #{run_id} is not running")
                row = s.get(RetentionPolicy, run.policy_id)
                assert row is not None
                policy = policy_of(row)
                ids: list[int] = _plan(run)["ids"]
                if run.done >= len(ids):
                    return self._finish(s, run, policy, actor.username)
                if engine is None and policy.action == "anonymise":
                    engine = self._engine(s)
                batch = ids[run.done : run.done + BATCH]
                counts = apply.apply_batch(
                    s,
                    policy,
                    batch,
                    engine,
                    tombstone_key=tombstones.key_for(self.ctx.workspace),
                    now=utc_iso(self.ctx.clock.now()),
                )
                total = json.loads(run.counts_json or "{}")
                for k, v in counts.items():
                    total[k] = total.get(k, 0) + v
                run.counts_json = json.dumps(total, sort_keys=True)
                run.done += len(batch)
                self.audit(
                    s,
                    "retention.batch",
                    object_type="retention_run",
                    object_id=str(run_id),
                    details={"records": len(batch), **dict(counts)},
                )
                done, size = run.done, len(ids)
            try:
                control.report(done, size, f"applying {policy.name}")
            except Cancelled:
                self._cancelled(run_id)
                raise

    def _finish(self, s: Session, run: RetentionRun, policy: Policy, who: str) -> RunInfo:
        plan = _plan(run)
        now = utc_iso(self.ctx.clock.now())
        counts = json.loads(run.counts_json or "{}")
        certificate = {
            "policy": policy.to_json(),
            "run": run.id,
            "started_at": run.started_at,
            "started_by": run.started_by,
            "finished_at": now,
            "finished_by": who,
            "records": len(plan["ids"]),
            "held": len(plan["held"]),
            "counts": counts,
            "ids_sha256": ids_digest(plan["ids"]),
            "held_sha256": ids_digest(plan["held"]),
            "helpdesk_plan": apply.helpdesk_plan(policy, plan["ids"]),
            "zendesk": list(ZENDESK_RULES),
            "method": "rows changed in committed batches with a checkpoint; full-text index "
            "entries removed with the rows (triggers, secure-delete); deleted tickets' ids "
            "kept as keyed hashes (HMAC-SHA256) so a re-import skips them; database WAL "
            "checkpointed (TRUNCATE) at the end; legal holds (DSAR holds, holds by tag) "
            "excluded before the run",
        }
        body = json.dumps(certificate, indent=2, sort_keys=True)
        certificate["certificate_sha256"] = hashlib.sha256(body.encode()).hexdigest()
        folder = self.ctx.workspace.exports_dir
        folder.mkdir(mode=0o700, exist_ok=True)
        stamp = now.replace(":", "").replace("-", "")[:15]
        path = folder / f"retention-{policy.name}-run{run.id}-{stamp}.json"
        path.write_text(json.dumps(certificate, indent=2, sort_keys=True) + "\n", "utf-8")
        run.status = "done"
        run.finished_at = now
        run.certificate_json = json.dumps(certificate, sort_keys=True)
        run.certificate_path = str(path)
        self.audit(
            s,
            "retention.done",
            object_type="retention_run",
            object_id=str(run.id),
            details={
                "policy": policy.name,
                "records": len(plan["ids"]),
                "held": len(plan["held"]),
                "ids_sha256": certificate["ids_sha256"],
                **counts,
            },
        )
        return _info(run, policy.name)

    def _cancelled(self, run_id: int) -> None:
        with self.authorized(P.INVENTORY_MANAGE, action="retention.cancel") as (s, _a):
            run = s.get(RetentionRun, run_id)
            if run is not None and run.status == "running":
                run.status = "cancelled"
                self.audit(
                    s,
                    "retention.cancel",
                    object_type="retention_run",
                    object_id=str(run_id),
                    details={"done": run.done},
                )

    # ------------------------------------------------------------ holds

    def holds(self) -> list[HoldInfo]:
        """Every hold in force: the DSAR holds and the holds by tag."""
        with self.authorized(P.INVENTORY_VIEW, action="retention.holds") as (s, _a):
            out = [
                HoldInfo(
                    f"ds-{h.id}",
                    h.object_type,
                    str(h.object_ref),
                    h.basis,
                    h.reason,
                    h.created_at,
                    h.created_by,
                )
                for h in s.scalars(
                    select(DsarHold).where(DsarHold.released_at.is_(None)).order_by(DsarHold.id)
                )
            ]
            out += [
                HoldInfo(
                    f"tag-{h.id}",
                    "tag",
                    h.tag,
                    "legal-hold",
                    h.reason,
                    h.created_at,
                    h.created_by,
                )
                for h in s.scalars(
                    select(RetentionHold)
                    .where(RetentionHold.released_at.is_(None))
                    .order_by(RetentionHold.id)
                )
            ]
            self.audit(s, "retention.holds", details={"count": len(out)})
            return out

    def add_hold(self, kind: str, ref: str, reason: str) -> HoldInfo:
        """A legal hold on a ticket or person (a DSAR hold) or on a tag; holds always win."""
        if kind not in ("ticket", "person", "tag"):
            raise RetentionError("a hold is on a --ticket, a --person or a --tag")
        if not reason.strip():
            raise RetentionError("a hold needs --reason")
        ref = ref.strip()
        if kind != "tag" and not ref.isdigit():
            raise RetentionError(f"--{kind} {ref!r}: give the help desk's numeric id")
        if not ref:
            raise RetentionError("--tag needs a tag")
        with self.authorized(P.INVENTORY_MANAGE, action="retention.hold") as (s, actor):
            now = utc_iso(self.ctx.clock.now())
            row: DsarHold | RetentionHold
            if kind == "tag":
                row = RetentionHold(
                    tag=ref, reason=reason.strip(), created_at=now, created_by=actor.username
                )
            else:
                row = DsarHold(
                    object_type=kind,
                    object_ref=int(ref),
                    basis="legal-hold",
                    reason=reason.strip(),
                    created_at=now,
                    created_by=actor.username,
                )
            s.add(row)
            s.flush()
            hold_id = f"tag-{row.id}" if kind == "tag" else f"ds-{row.id}"
            self.audit(
                s,
                "retention.hold",
                object_type=kind,
                object_id=ref if kind != "tag" else None,
                details={"hold": hold_id},
            )
            return HoldInfo(hold_id, kind, ref, "legal-hold", reason.strip(), now, actor.username)


def _policy(s: Session, name: str) -> RetentionPolicy:
    row = s.scalar(select(RetentionPolicy).where(RetentionPolicy.name == name))
    if row is None:
        raise RetentionError(f"no retention policy {name!r} (see `privdesk retention list`)")
    return row
