"""Labels per second on one core: build the e-waybill ZPL (with its ~DY font subset) and render the
PNG preview from that ZPL, as the labels job does.

    taskset -c 0 python bench/labels.py --labels 300

Addresses differ per label (a new character set, so a new font subset, for most labels) unless
``--same-address`` is given (the subset cache then hits). Prints medians of ``--repeats`` runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time

from floor.zpl import fonts
from floor.zpl.builder import LabelData, Party, build
from floor.zpl.preview import render

PROVINCES = ["北京市朝阳区", "上海市浦东新区", "广东省深圳市南山区", "浙江省杭州市西湖区", "四川省成都市武侯区",
             "湖北省武汉市洪山区", "江苏省南京市鼓楼区", "陕西省西安市雁塔区", "福建省厦门市思明区", "山东省青岛市市南区"]
STREETS = "建国路人民大道解放路中山路和平街科技园幸福里长江路黄河路新华街文化路东风路光明路胜利路友谊路"
NAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"


def labels(n: int, same: bool, seed: int = 1) -> list[LabelData]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        r = random.Random(0) if same else rng
        street = "".join(r.choice(STREETS) for _ in range(4))
        out.append(LabelData(
            tracking=f"SF{1400000000000 + i:013d}", carrier="顺丰速运", service="标快", order_no=f"SO-{i:08d}",
            sender=Party("华南仓", "0755-12345678", "广东省深圳市宝安区福永街道物流园 3 号仓"),
            receiver=Party(r.choice(NAMES) + r.choice(NAMES), f"138{r.randint(0, 99999999):08d}",
                           f"{r.choice(PROVINCES)}{street}{r.randint(1, 999)}号"),
            box_no=1, box_count=1, weight_g=r.randint(100, 9000), sort_code=f"{r.randint(10, 99)}A-{r.randint(1, 99):03d}",
            remark="", qr=f"https://t.example/SF{1400000000000 + i:013d}"))
    return out


def run(data: list[LabelData]) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    jobs = [build(d) for d in data]
    t1 = time.perf_counter()
    for job in jobs:
        render(job).png()
    t2 = time.perf_counter()
    n = len(data)
    return n / (t1 - t0), n / (t2 - t1), n / (t2 - t0)


def baseline() -> float:
    """Same-run CPU baseline: passes per second of a fixed pure-Python loop (1e6 multiply-adds), so a
    figure taken on a loaded machine can be compared with one taken on an idle one."""
    started = time.perf_counter()
    for _ in range(3):
        sum(i * i for i in range(1_000_000))
    return 3 / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labels", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--same-address", action="store_true")
    args = parser.parse_args()
    fonts.subset("预热")  # load the Debian font and cut the common base once (process start-up)
    rows = []
    base = [baseline()]
    for repeat in range(args.repeats):
        fonts._SUBSETS.clear()
        rows.append(run(labels(args.labels, args.same_address, seed=repeat + 1)))
        base.append(baseline())
    build_s, render_s, total_s = (statistics.median(col) for col in zip(*rows, strict=True))
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}, "
          f"cores allowed: {sorted(cpus)}")
    print(f"labels: {args.labels} x {args.repeats}, same address: {args.same_address}")
    print(f"build ZPL (+ ~DY subset): {build_s:7.1f} labels/s")
    print(f"render PNG from ZPL:      {render_s:7.1f} labels/s")
    print(f"ZPL + PNG:                {total_s:7.1f} labels/s")
    print(f"baseline (same run):      {statistics.median(base):7.2f} passes/s of the 1e6 multiply-add loop")


if __name__ == "__main__":
    main()
