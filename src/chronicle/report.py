"""Human-readable views of records for the terminal (`chronicle show`, `make demo`)."""

from __future__ import annotations

from .record import Actor, Document


def actor_label(actor: Actor | None) -> str:
    if actor is None:
        return "-"
    code = "/".join(x for x in (actor.country, actor.sector) if x) or "?"
    name = actor.name or actor.text
    return f"{name} [{code} {actor.kind}]"


def render_document(doc: Document, console=None) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = console or Console(highlight=False)
    plain = console.print

    def say(text: str, **kw) -> None:  # article text may contain "[...]": never read it as markup
        plain(escape(text), **kw)

    f = doc.flags
    console.print(f"[bold]{escape(doc.title or '(no title)')}[/bold]")
    say(f"id {doc.id} · {doc.source.format} · {doc.source.url or doc.source.path}")
    ref = doc.reference_date
    say(f"language {doc.language} · published {doc.published or 'unknown'} · reference "
                  + (f"{ref.date or ref.year} ({ref.method}: {ref.evidence})" if ref else "none"))
    flags = []
    if f.truncated:
        flags.append("truncated" + (f", {f.read_fraction:.0%} of the article read"
                                    if f.read_fraction is not None else ""))
    if f.machine_translated:
        flags.append("machine-translated" + (f" from {f.translated_from}" if f.translated_from else ""))
    if f.duplicate_of:
        flags.append(f"duplicate of {f.duplicate_of}")
    say("flags: " + ("; ".join(flags) or "none"))
    for title, items in (("removed by cleaning", f.removed), ("repaired", f.repaired)):
        if items:
            console.print(f"\n[bold]{title}[/bold]")
            for r in items:
                say(f"  - {r.text!r}\n      → {r.reason}", soft_wrap=True)
    if doc.entities:
        seen, parts = set(), []
        for e in doc.entities:
            if (e.text, e.label) not in seen:
                seen.add((e.text, e.label))
                parts.append(f"{e.text} ({e.label})")
        console.print(f"\n[bold]entities[/bold] ({len(doc.entities)} mentions)")
        say("  " + ", ".join(parts), soft_wrap=False)
    if doc.quantities:
        console.print("\n[bold]quantities[/bold]")
        for q in doc.quantities:
            say(f"  {q.approx} {q.value:g} {q.unit}" + (f" ({q.what})" if q.what else "")
                          + f"  ← {doc.text[q.start:q.end]!r}")
    if doc.quotes:
        console.print("\n[bold]quotes[/bold]")
        for q in doc.quotes:
            say(f"  {q.text[:90]!r} — {actor_label(q.speaker) if q.speaker else 'unattributed'}")
    if doc.events:
        console.print(f"\n[bold]events[/bold] ({len(doc.events)})")
        for n, ev in enumerate(doc.events, start=1):
            kind = ev.type + (f"/{ev.mode}" if ev.mode else "")
            say(f"  {n}. {kind} (CAMEO {ev.cameo or '-'}) · {ev.modality} · confidence {ev.confidence:.2f}")
            say(f"     who: {actor_label(ev.source)} → {actor_label(ev.target)}")
            where = "unknown"
            if ev.location:
                loc = ev.location
                where = f"{loc.name}, {loc.country or '?'} ({loc.lat:.2f}, {loc.lon:.2f})"
            count = (f"{ev.quantity.approx} {ev.quantity.value:g} {ev.quantity.unit}"
                     if ev.quantity else "-")
            say(f"     when: {ev.date or 'unknown'} ({ev.date_precision}) · where: {where} · count: {count}")
            say(f"     evidence: {ev.evidence.text.strip()!r}", soft_wrap=True)
    if doc.errors:
        console.print("\n[bold]notes[/bold]")
        for e in doc.errors:
            say(f"  - {e}")
