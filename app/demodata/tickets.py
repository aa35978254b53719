"""The ticket part of the export: conversations built from the ticket text, with labels."""

from __future__ import annotations

import html
import random
from collections.abc import Iterable
from datetime import datetime, timedelta

from app.demodata import pii
from app.demodata.account import (
    ACCOUNT,
    API,
    BRAND_ID,
    CUSTOM_FIELD_ESCALATED,
    CUSTOM_FIELD_ORDER,
    CUSTOM_FIELD_REASON,
    CUSTOM_FIELD_TIER,
    ROLE_LEAD,
    ROLE_LIGHT,
    SUPPORT_ADDRESS,
    SUPPORT_PHONE,
    TICKET_FORM_ID,
)
from app.demodata.state import GeneratorState, Person
from app.demodata.ticket_text import (
    DECOY_SLOTS,
    ENTITY_SLOTS,
    SLOT,
    Topic,
    Variant,
    split_template,
    ticket_text,
)
from app.demodata.vocabulary import ADDRESSES, MONTHS, PRODUCTS
from app.demodata.writers import JSON, Body, Ids, Ndjson, ts


class TicketsPart(GeneratorState):
    """tickets.ndjson with embedded comments, and the planted labels of each comment."""

    def _write_tickets(self) -> None:
        rng = self.rng("tickets")
        now = self.now
        comment_id = Ids(rng, 36_000_000_000_000, 90_000)
        audit_id = Ids(rng, 36_100_000_000_000, 90_000)
        attachment_id = Ids(rng, 36_200_000_000_000, 40_000)
        span = timedelta(days=730)
        start = now - span - timedelta(hours=1)
        by_group: dict[int, list[Person]] = {gid: [] for gid in self.group_ids.values()}
        for p in self.staff:
            if p.role_name != ROLE_LIGHT:
                for gid in p.groups:
                    by_group[gid].append(p)
        leads = [p for p in self.staff if p.role_name in (ROLE_LEAD, ROLE_LIGHT)]
        owner = self.staff[0]
        topics = ticket_text().topics
        topics_by_key = {t.key: t for t in topics}
        topic_keys = [t.key for t in topics]
        weights = [t.weight for t in topics]

        with Ndjson(self.out / "tickets.ndjson") as fh:
            for index in range(self.n_tickets):
                tid = index + 1
                created = start + span * ((index + rng.random() * 0.9) / self.n_tickets)
                topic = topics_by_key[rng.choices(topic_keys, weights)[0]]
                requester = rng.choice(self.customers)
                age = now - created
                status = self._status(rng, age)
                priority = rng.choices(
                    ("low", "normal", "high", "urgent", None), (15, 55, 18, 5, 7)
                )[0]
                group_name = topic.group
                if priority in ("high", "urgent") and rng.random() < 0.3:
                    group_name = "Escalations"
                if rng.random() < 0.05:
                    group_name = "Partner BPO"
                group_id = self.group_ids[group_name]
                assignee: Person | None = None
                if status != "new" or rng.random() < 0.3:
                    candidates = by_group[group_id]
                    for _ in range(6):
                        pick = rng.choice(candidates) if candidates else owner
                        if pick.can_author(created):
                            assignee = pick
                            break
                    else:
                        assignee = owner
                channel = rng.choices(("email", "web", "api", "mobile_sdk"), (55, 30, 8, 7))[0]
                ctx = self._context(rng, requester, assignee or owner, created)
                ctx["variant"] = rng.choice(topic.variants)
                followers: list[int] = []
                if rng.random() < 0.1:
                    cand = rng.choice(leads) if leads else owner
                    if cand is not assignee:
                        followers.append(cand.id)
                ccs: list[int] = []
                if rng.random() < 0.08:
                    other = rng.choice(self.customers)
                    if other is not requester:
                        ccs.append(other.id)

                # Customer and agent take turns: solved/pending/hold tickets end with the
                # agent, open ones with the customer, new ones have only the first message.
                n_comments = 1
                if assignee is not None and status != "new":
                    pairs = rng.choices((1, 2, 3), (45, 35, 20))[0]
                    n_comments = 2 * pairs - 1 if status == "open" else 2 * pairs
                comments: list[JSON] = []
                when = created
                for c in range(n_comments):
                    if c:
                        # Recent tickets squeeze their replies in before `now`.
                        room = (now - when) / (n_comments - c + 1)
                        when += min(timedelta(minutes=rng.randint(10, 60 * 48)), room)
                    ctx["when"] = when
                    author, public, body = self._comment(
                        rng, c, n_comments, status, topic, ctx, requester, assignee or owner, leads
                    )
                    cid = comment_id()
                    text = body.value()
                    comment_via = channel if author is requester else "web"
                    comments.append(
                        {
                            "id": cid,
                            "type": "Comment",
                            "author_id": author.id,
                            "body": text,
                            "html_body": _html(text),
                            "plain_body": text,
                            "public": public,
                            "attachments": self._attachments(
                                rng, attachment_id, author is requester
                            ),
                            "audit_id": audit_id(),
                            "via": self._via(comment_via, requester),
                            "created_at": ts(when),
                            "metadata": {
                                "system": {
                                    "client": author.browser,
                                    "ip_address": author.ip,
                                    "location": author.place[4],
                                    "latitude": author.place[5],
                                    "longitude": author.place[6],
                                },
                                "custom": {},
                            },
                        }
                    )
                    self._label(tid, cid, body)
                self.comments += len(comments)
                updated = min(now, when + timedelta(minutes=rng.randint(1, 600)))
                subject = self._fill_plain(rng.choice(ctx["variant"].subjects), ctx)
                order_value = ctx["order_field"]
                custom_fields = [
                    {"id": CUSTOM_FIELD_REASON, "value": topic.key},
                    {"id": CUSTOM_FIELD_ORDER, "value": order_value},
                    {
                        "id": CUSTOM_FIELD_TIER,
                        "value": "gold" if "vip" in requester.tags else "standard",
                    },
                    {"id": CUSTOM_FIELD_ESCALATED, "value": group_name == "Escalations"},
                ]
                tags = [*topic.tags, channel.replace("_sdk", "")]
                if "vip" in requester.tags:
                    tags.append("vip")
                fh.write(
                    {
                        "id": tid,
                        "url": f"{API}/tickets/{tid}.json",
                        "external_id": None,
                        "via": self._via(channel, requester),
                        "created_at": ts(created),
                        "updated_at": ts(updated),
                        "generated_timestamp": int(updated.timestamp()),
                        "type": topic.type,
                        "subject": subject,
                        "raw_subject": subject,
                        "description": comments[0]["body"],
                        "priority": priority,
                        "status": status,
                        "custom_status_id": 360_000_100_000
                        + ("new", "open", "pending", "hold", "solved", "closed").index(status),
                        "recipient": SUPPORT_ADDRESS if channel == "email" else None,
                        "requester_id": requester.id,
                        "submitter_id": requester.id,
                        "assignee_id": assignee.id if assignee else None,
                        "organization_id": requester.organization_id,
                        "group_id": group_id,
                        "collaborator_ids": ccs + followers,
                        "follower_ids": followers,
                        "email_cc_ids": ccs,
                        "forum_topic_id": None,
                        "problem_id": None,
                        "has_incidents": False,
                        "is_public": any(c["public"] for c in comments),
                        "due_at": ts(created + timedelta(days=3)) if topic.type == "task" else None,
                        "tags": sorted(set(tags)),
                        "custom_fields": custom_fields,
                        "fields": custom_fields,
                        "satisfaction_rating": self._rating(rng, status),
                        "sharing_agreement_ids": [],
                        "followup_ids": [],
                        "ticket_form_id": TICKET_FORM_ID,
                        "brand_id": BRAND_ID,
                        "allow_channelback": False,
                        "allow_attachments": True,
                        "from_messaging_channel": False,
                        "comments": comments,
                    }
                )
        self.counts["tickets.ndjson"] = fh.count

    @staticmethod
    def _status(rng: random.Random, age: timedelta) -> str:
        if age > timedelta(days=21):
            return rng.choices(("closed", "solved"), (92, 8))[0]
        if age > timedelta(days=4):
            return rng.choices(
                ("solved", "pending", "open", "hold", "closed"), (50, 20, 15, 5, 10)
            )[0]
        return rng.choices(("new", "open", "pending", "solved"), (25, 40, 20, 15))[0]

    @staticmethod
    def _rating(rng: random.Random, status: str) -> JSON:
        if status not in ("solved", "closed"):
            return {"score": "unoffered"}
        return {"score": rng.choices(("offered", "good", "bad", "unoffered"), (40, 35, 8, 17))[0]}

    @staticmethod
    def _via(channel: str, requester: Person) -> JSON:
        if channel == "email":
            source: JSON = {
                "from": {"address": requester.email, "name": requester.name},
                "to": {"address": SUPPORT_ADDRESS, "name": "Acme Shop Support"},
                "rel": None,
            }
        else:
            source = {
                "from": {},
                "to": {},
                "rel": "mobile_sdk" if channel == "mobile_sdk" else None,
            }
        return {"channel": channel, "source": source}

    def _context(
        self, rng: random.Random, requester: Person, agent: Person, created: datetime
    ) -> JSON:
        day = created - timedelta(days=rng.randint(1, 20))
        currency = {"en-gb": "£", "de": "€", "fr": "€", "nl": "€"}.get(requester.place[2], "$")
        amount = f"{rng.randint(9, 480)}.{rng.choice(('00', '49', '95', '99'))}"
        order = pii.make_order_number(rng)
        return {
            "first": requester.first,
            "fullname": requester.name,
            "agent": agent.first,
            "product": rng.choice(PRODUCTS),
            "amount": f"{currency}{amount}" if currency != "€" else f"{amount.replace('.', ',')} €",
            "date": f"{day.day} {MONTHS[day.month - 1]}",
            "address": rng.choice(ADDRESSES),
            "order_made": order,
            "tracking_made": pii.make_tracking_number(rng),
            "order_field": order.value,
            "req_email": requester.email,
        }

    def _comment(
        self,
        rng: random.Random,
        index: int,
        total: int,
        status: str,
        topic: Topic,
        ctx: JSON,
        requester: Person,
        agent: Person,
        leads: list[Person],
    ) -> tuple[Person, bool, Body]:
        when: datetime = ctx["when"]
        variant: Variant = ctx["variant"]
        body = Body()
        text = ticket_text()
        customer_turn = index % 2 == 0
        note = not customer_turn and index < total - 1 and rng.random() < 0.2
        if note:
            author = agent
            if leads and rng.random() < 0.4:
                other = rng.choice(leads)
                if other.can_author(when):
                    author = other
            self._render(rng, rng.choice(topic.notes), ctx, body)
            if rng.random() < 0.12:
                kind = _weighted(rng, topic.pii_weights)
                body.text(" ")
                self._render(rng, rng.choice(text.note_pii[kind]), ctx, body)
            return author, False, body
        if customer_turn:
            body.text("Hi,\n\n" if index == 0 else f"Hi {ctx['agent']},\n\n")
            template = variant.opener if index == 0 else rng.choice(variant.followups)
            self._render(rng, template, ctx, body)
            if rng.random() < 0.24:
                body.text("\n\n")
                kind = _weighted(rng, topic.pii_weights)
                self._render(rng, rng.choice(text.customer_pii[kind]), ctx, body)
            if rng.random() < 0.2:
                body.text("\n\n")
                kind = _weighted(rng, topic.decoy_weights)
                self._render(rng, rng.choice(text.customer_decoys[kind]), ctx, body)
            body.text(
                f"\n\n{rng.choice(('Thanks', 'Thank you', 'Best', 'Regards'))},\n{requester.first}"
            )
            return requester, True, body
        body.text(f"Hi {requester.first},\n\n")
        if index == 1:
            template = rng.choice(variant.replies)
        elif index == total - 1 and status in ("solved", "closed"):
            template = variant.closer
        else:
            template = rng.choice(text.agent_followups)
        self._render(rng, template, ctx, body)
        if rng.random() < 0.1:
            body.text("\n\n")
            kind = _weighted(
                rng, {k: w for k, w in topic.decoy_weights.items() if k in text.agent_decoys}
            )
            self._render(rng, rng.choice(text.agent_decoys[kind]), ctx, body)
        body.text(f"\n\nBest regards,\n{agent.first}\nAcme Shop Support")
        return agent, True, body

    def _render(self, rng: random.Random, template: str, ctx: JSON, body: Body) -> None:
        pieces = split_template(template)
        for i, piece in enumerate(pieces):
            if i % 2 == 0:
                if piece:
                    body.text(piece)
            elif piece in ENTITY_SLOTS:
                body.labelled(body.entities, ENTITY_SLOTS[piece], self._entity(rng, piece, ctx))
            elif piece in ("order", "tracking"):
                # The ticket's own order/tracking number, repeated; each occurrence is a decoy.
                body.labelled(body.decoys, DECOY_SLOTS[piece], ctx[f"{piece}_made"])
            elif piece in DECOY_SLOTS:
                body.labelled(
                    body.decoys,
                    DECOY_SLOTS[piece],
                    pii.make_decoy(rng, DECOY_SLOTS[piece], ctx["when"]),
                )
            else:
                body.text(str(ctx[piece]))

    def _fill_plain(self, template: str, ctx: JSON) -> str:
        return SLOT.sub(lambda m: str(ctx[m.group(1)]), template)

    def _entity(self, rng: random.Random, slot: str, ctx: JSON) -> pii.Made:
        if slot == "card":
            return pii.make_card(rng)
        if slot == "ssn":
            return pii.make_ssn(rng)
        if slot == "iban":
            return pii.make_iban(rng)
        if slot == "phone":
            return pii.make_phone(rng)
        if slot == "support_phone":
            return pii.Made(SUPPORT_PHONE, "uk_intl")
        if slot == "support_email":
            return pii.Made(SUPPORT_ADDRESS, "support")
        if slot == "req_email":
            return pii.Made(str(ctx["req_email"]), "requester")
        first, last = str(ctx["fullname"]).split(" ", 1)
        return pii.Made(pii.email_for(rng, first, last), "alternate")

    def _attachments(self, rng: random.Random, ids: Ids, customer: bool) -> list[JSON]:
        if not customer or rng.random() > 0.06:
            return []
        aid = ids()
        name = f"IMG_{rng.randint(1000, 9999)}.jpg"
        token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(25))
        url = f"https://{ACCOUNT}.zendesk.com/attachments/token/{token}/?name={name}"
        return [
            {
                "id": aid,
                "url": f"{API}/attachments/{aid}.json",
                "file_name": name,
                "content_url": url,
                "mapped_content_url": url,
                "content_type": "image/jpeg",
                "size": rng.randint(80_000, 3_500_000),
                "width": 1024,
                "height": 768,
                "inline": False,
                "deleted": False,
                "malware_access_override": False,
                "malware_scan_result": "malware_not_found",
                "thumbnails": [],
            }
        ]

    def _label(self, ticket_id: int, comment_id: int, body: Body) -> None:
        for etype, made, start, end in body.entities:
            self.planted[etype] += 1
            self.labels.entities.write(
                {
                    "ticket_id": ticket_id,
                    "comment_id": comment_id,
                    "field": "body",
                    "type": etype,
                    "value": made.value,
                    "start": start,
                    "end": end,
                    "detail": made.detail,
                }
            )
        for kind, made, start, end in body.decoys:
            self.decoy_kinds[kind] += 1
            self.labels.decoys.write(
                {
                    "ticket_id": ticket_id,
                    "comment_id": comment_id,
                    "field": "body",
                    "kind": kind,
                    "value": made.value,
                    "start": start,
                    "end": end,
                    "detail": made.detail,
                }
            )


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    keys: Iterable[str] = weights.keys()
    return rng.choices(list(keys), list(weights.values()))[0]


def _html(text: str) -> str:
    paragraphs = text.split("\n\n")
    inner = "".join(
        f"<p>{html.escape(p, quote=False).replace(chr(10), '<br>')}</p>" for p in paragraphs
    )
    return f'<div class="zd-comment" dir="auto">{inner}</div>'
