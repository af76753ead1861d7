"""``python -m eventx.demo seeds``: run the shipped model on a folder and print the events found."""
from __future__ import annotations

import sys
from pathlib import Path

from eventx.pipeline import Extractor
from eventx.read import ReadError, read_paths
from eventx.write import write_records


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    folder = argv[0] if argv else "seeds"
    out = Path("out")
    out.mkdir(exist_ok=True)
    ex = Extractor()
    allrecs = []
    for item in read_paths([folder]):
        if isinstance(item, ReadError):
            print(f"! {item.id}: {item.reason}")
            continue
        _, recs = next(ex.extract_documents([item]))
        allrecs.extend(recs)
        print(f"\n== {Path(item.id).name}: {len(recs)} events")
        for r in recs:
            trig = r.evidence[0]
            print(f"  {r.event_class:12s} {r.sub_event_type:38s} conf {r.confidence:.2f}  trigger «{trig.text}» @{trig.start}")
            print(f"      actor1={r.actor1 or '-'} [{r.inter1}]  actor2={r.actor2 or '-'} [{r.inter2}]  "
                  f"location={r.location or '-'}  date={f'{r.event_date} (p{r.time_precision})' if r.event_date else '-'}  fatalities={r.fatalities}")
    write_records(allrecs, str(out / "seeds_events.jsonl"), "jsonl")
    write_records(allrecs, str(out / "seeds_events.csv"), "csv")
    print(f"\n{len(allrecs)} events written to out/seeds_events.jsonl and out/seeds_events.csv (ACLED column order)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
