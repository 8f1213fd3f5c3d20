"""Drain3's side of `npm run bench:mine`: the same job as `aiops templates --in IN --out OUT`.

Every line of IN is mined in order with Drain3 (its default configuration: similarity 0.4,
depth 4, no masking), then OUT gets one JSON object per line, {"line": n, "cluster": "<id>",
"template": "<text>"}, labelled with the final templates. Prints "<lines> lines, <n> templates"
on stderr. Run by bench/mine.ts in a venv it creates with drain3 from PyPI.
"""
import json
import sys

from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig


def main(src: str, dst: str) -> None:
    # An explicit config: Drain3 then reads no drain3.ini from the working directory.
    miner = TemplateMiner(config=TemplateMinerConfig())
    ids = []
    # Lines end at \n only, a \r before it dropped: the aiops command's reading of a file.
    with open(src, encoding="utf-8", errors="replace", newline="\n") as f:
        for line in f:
            line = line[:-1] if line.endswith("\n") else line
            ids.append(miner.add_log_message(line[:-1] if line.endswith("\r") else line)["cluster_id"])
    # Everything after the line number, encoded once per cluster, as the aiops command does.
    suffix = {
        c.cluster_id: ', "cluster": %s, "template": %s}\n' % (json.dumps(str(c.cluster_id)), json.dumps(c.get_template()))
        for c in miner.drain.clusters
    }
    with open(dst, "w", encoding="utf-8") as out:
        out.writelines('{"line": %d%s' % (i + 1, suffix[c]) for i, c in enumerate(ids))
    print(f"{len(ids)} lines, {len(suffix)} templates", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: mine.py IN OUT")
    main(sys.argv[1], sys.argv[2])
