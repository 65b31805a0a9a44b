#!/usr/bin/python3
"""Renders labelled text lines and pages for the PP-OCR accuracy evaluation (ocr_eval.py).

  ocr_render.py [--out DIR] [--seed S] [--rec N] [--cls N] [--det N] [--rec-calib N] [--cls-calib N]
                [--det-calib N]

Strings are drawn by this script from a fixed seed (so the ground truth is known): Chinese runs of
common characters, English words, numbers/dates/prices, and mixtures. Fonts are Debian's:
fonts-dejavu-core (Latin-only strings) and fonts-noto-cjk (Noto Sans/Serif CJK SC, any string).
Every character used is in the recognizer's key list (ppocr_keys_v1.txt). Calibration and
evaluation sets come from different seeds and share no image.

Preprocessing follows PaddleOCR's inference code:
  rec  [N, 3, 48, 320]: keep aspect, resize to height 48 and width min(320, ceil(48 * w / h))
       (bilinear), x / 255, (x - 0.5) / 0.5, channels in BGR order (PaddleOCR reads with OpenCV),
       zero padding (in normalized units) on the right. Lines are rendered so that w / h <= 320 / 48,
       so no line is squeezed.
  cls  [N, 3, 48, 192]: the same with width 192 (long lines are squeezed to 192, as in PaddleOCR).
       Each line appears twice: upright (label 0, class '0') and rotated 180 degrees (label 1, '180').
  det  [N, 3, 640, 640]: pages rendered at 640x640 (no resize), RGB / 255, then ImageNet
       mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225) per channel.

Writes into DIR (default build/accuracy/ocr):
  rec_calib.npy rec_eval.npy rec_eval.json (list of ground-truth strings)
  cls_calib.npy cls_eval.npy cls_eval_labels.npy (int64, 0 or 1) cls_eval.json (strings)
  det_calib.npy det_eval.npy det_eval.json (per page: list of {"text", "box": [x0, y0, x1, y1]})
  samples/*.png (a few rendered lines and one page, for eyeballing)
"""
import argparse
import json
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KEYS = os.path.join(ROOT, "third_party", "npm", "ocr-models", "assets", "ppocr_keys_v1.txt")
DEJAVU = "/usr/share/fonts/truetype/dejavu"
NOTO = "/usr/share/fonts/opentype/noto"
NOTO_SC_INDEX = 2  # in the Noto CJK .ttc collections: JP, KR, SC, TC, HK

# About 500 of the most frequent simplified Chinese characters.
COMMON_HANZI = (
    "的一是不了人我在有他这为之大来以个中上们到说和国地也子时道出而要于就下得可你年生自会那后能对着事其"
    "里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没"
    "公从已本月新问长电动理工向气力手现开机品高实市表水物头体外重点通合全部明先海加产务名正教各区化利回"
    "关安很期东车西北南路门口山川花草木林金银书字文语言信息网络数据系统软件手机电话时间价格商店医院学校"
    "公司银行城市中心服务中国北京上海广州深圳杭州南京天津重庆成都武汉西安春夏秋冬早晚今明昨星节日快乐欢"
    "迎光临请注意安全出入口禁止吸烟停车场营业时间周一至周五饭菜茶酒水果米面肉鱼鸡蛋奶油盐糖衣服鞋帽包车"
    "站票价会员优惠活动打折特价新品上市质量保证联系电话地址邮编传真办公室经理部门工作人员身份证号码姓名性"
    "别男女出生民族住址有效期限签发机关计算机科学技术研究发展教育文化艺术体育卫生健康环境保护交通运输旅游"
    "酒店房间预订取消确认支付宝微信现金找零发票收据总计合金额数量单位规格型号生产日期保质期使用方法说明书"
    "注册登录密码用户账户设置帮助首页返回下一步完成提交保存删除编辑搜索结果更多详情评论分享收藏购物红黄蓝"
    "绿白黑大小多少高低长短远近左右内外东西南北风雨雪云雷电冷热温度湿度天气预报空气指数良好优秀"
)
ENGLISH_WORDS = (
    "the quick brown fox jumps over lazy dog open close total price order number date time name address "
    "phone email office room floor street road city center market hotel bank school hospital station "
    "airport train ticket exit entrance welcome thank you please sale new free online service support "
    "account password login user help home next back save cancel submit search result more detail share "
    "report data system model layer input output value test quality green blue black white red coffee tea "
    "water bread menu daily special open today hours monday friday sunday north south east west park "
    "river bridge tower garden museum library "
).split()
FONTS_LATIN = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansCondensed.ttf",
               "DejaVuSansMono.ttf", "DejaVuSerif-Bold.ttf"]
FONTS_CJK = ["NotoSansCJK-Regular.ttc", "NotoSansCJK-Bold.ttc", "NotoSerifCJK-Regular.ttc",
             "NotoSerifCJK-Bold.ttc"]
REC_SHAPE, CLS_SHAPE, DET_SIZE = (48, 320), (48, 192), 640
DET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
DET_STD = np.array([0.229, 0.224, 0.225], np.float32)


def load_keys():
    with open(KEYS, encoding="utf-8") as f:
        keys = f.read().split("\n")
    return [k for k in keys if k != ""]


class TextSource:
    def __init__(self, rng):
        self.rng = rng
        keyset = set(load_keys())
        self.hanzi = sorted({c for c in COMMON_HANZI if c in keyset})

    def _zh(self, lo, hi):
        n = int(self.rng.integers(lo, hi + 1))
        return "".join(self.rng.choice(self.hanzi, n))

    def _en(self, lo, hi):
        words = list(self.rng.choice(ENGLISH_WORDS, int(self.rng.integers(lo, hi + 1))))
        style = self.rng.random()
        if style < 0.3:
            words = [w.capitalize() for w in words]
        elif style < 0.45:
            words = [w.upper() for w in words]
        return " ".join(words)

    def _num(self):
        r, k = self.rng, int(self.rng.integers(0, 6))
        if k == 0:
            return f"{r.integers(1990, 2030)}-{r.integers(1, 13):02d}-{r.integers(1, 29):02d}"
        if k == 1:
            return f"{r.integers(0, 24):02d}:{r.integers(0, 60):02d}"
        if k == 2:
            return f"¥{r.integers(1, 10000)}.{r.integers(0, 100):02d}"
        if k == 3:
            return f"1{r.integers(30, 90)}-{r.integers(1000, 10000)}-{r.integers(1000, 10000)}"
        if k == 4:
            return f"{r.integers(0, 100)}.{r.integers(0, 10)}%"
        return str(r.integers(10, 10 ** int(r.integers(3, 9))))

    def line(self, max_units=14):
        """Returns (text, has_cjk). max_units bounds the length (a hanzi counts 1, a Latin char 0.5)."""
        k = self.rng.random()
        if k < 0.4:
            text, cjk = self._zh(2, max(2, max_units)), True
        elif k < 0.65:
            text, cjk = self._en(1, 4), False
        elif k < 0.8:
            text, cjk = self._num(), False
        elif k < 0.9:
            text, cjk = self._zh(2, max(2, max_units // 2)) + self._num(), True
        else:
            text, cjk = self._zh(2, max(2, max_units // 2)) + " " + self._en(1, 2), True
        return text, cjk


def pick_font(rng, cjk, size):
    if cjk or rng.random() < 0.3:
        path = os.path.join(NOTO, FONTS_CJK[int(rng.integers(len(FONTS_CJK)))])
        return ImageFont.truetype(path, size, index=NOTO_SC_INDEX)
    return ImageFont.truetype(os.path.join(DEJAVU, FONTS_LATIN[int(rng.integers(len(FONTS_LATIN)))]), size)


def colors(rng):
    bg = np.clip(rng.integers(200, 256) + rng.integers(-12, 13, 3), 0, 255)
    ink = np.clip(rng.integers(0, 80) + rng.integers(-20, 21, 3), 0, 255)
    return tuple(int(v) for v in bg), tuple(int(v) for v in ink)


def degrade(img, rng):
    """Slight blur and sensor noise; returns uint8 HxWx3."""
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 0.9))))
    a = np.asarray(img, np.float32)
    a += rng.normal(0.0, float(rng.uniform(0.0, 6.0)), a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


def render_line(text, font, rng):
    """Renders one text line tightly (small random margins). Returns uint8 HxWx3 RGB."""
    x0, y0, x1, y1 = font.getbbox(text)
    asc, desc = font.getmetrics()
    mx, my = int(rng.integers(2, 10)), int(rng.integers(2, 8))
    w, h = (x1 - x0) + 2 * mx, asc + desc + 2 * my
    bg, ink = colors(rng)
    img = Image.new("RGB", (w, h), bg)
    ImageDraw.Draw(img).text((mx - x0, my), text, font=font, fill=ink)
    return degrade(img, rng)


def fitted_line(source, rng, max_ratio):
    """A (text, image) whose width / height <= max_ratio, truncating the string as needed."""
    text, cjk = source.line()
    font = pick_font(rng, cjk, int(rng.integers(26, 44)))
    while True:
        img = render_line(text, font, rng)
        if img.shape[1] / img.shape[0] <= max_ratio or len(text) <= 1:
            return text, img
        text = text[:-1].rstrip()


def normalize_line(img, shape):
    """PaddleOCR's resize_norm_img: RGB uint8 HxWx3 -> float32 3xHxW (BGR, [-1, 1], zero pad)."""
    h_out, w_out = shape
    h, w = img.shape[:2]
    rw = min(w_out, int(math.ceil(h_out * w / h)))
    resized = np.asarray(Image.fromarray(img).resize((rw, h_out), Image.BILINEAR), np.float32)
    x = (resized[:, :, ::-1] / 255.0 - 0.5) / 0.5
    out = np.zeros((3, h_out, w_out), np.float32)
    out[:, :, :rw] = x.transpose(2, 0, 1)
    return out


def render_page(source, rng):
    """A 640x640 page with several lines. Returns (uint8 RGB image, [{"text", "box"}])."""
    bg, _ = colors(rng)
    page = Image.new("RGB", (DET_SIZE, DET_SIZE), bg)
    draw = ImageDraw.Draw(page)
    lines, y = [], int(rng.integers(10, 40))
    while True:
        size = int(rng.integers(16, 40))
        text, cjk = source.line(max_units=int(rng.integers(4, 20)))
        font = pick_font(rng, cjk, size)
        asc, desc = font.getmetrics()
        if y + asc + desc + 10 > DET_SIZE:
            break
        x = int(rng.integers(10, 120))
        while text and x + font.getbbox(text)[2] > DET_SIZE - 10:
            text = text[:-1].rstrip()
        if text:
            _, ink = colors(rng)
            draw.text((x, y), text, font=font, fill=ink)
            bx0, by0, bx1, by1 = draw.textbbox((x, y), text, font=font)
            lines.append({"text": text, "box": [int(bx0), int(by0), int(bx1), int(by1)]})
        y += asc + desc + int(rng.integers(int(0.6 * size), 3 * size))
    return degrade(page, rng), lines


def normalize_page(img):
    x = (img.astype(np.float32) / 255.0 - DET_MEAN) / DET_STD
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def make_lines(n, seed, max_ratio):
    rng = np.random.default_rng(seed)
    source = TextSource(rng)
    return [fitted_line(source, rng, max_ratio) for _ in range(n)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "accuracy", "ocr"))
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--rec", type=int, default=300)
    ap.add_argument("--cls", type=int, default=100)
    ap.add_argument("--det", type=int, default=20)
    ap.add_argument("--rec-calib", type=int, default=100)
    ap.add_argument("--cls-calib", type=int, default=50)
    ap.add_argument("--det-calib", type=int, default=8)
    args = ap.parse_args()
    out = args.out
    os.makedirs(os.path.join(out, "samples"), exist_ok=True)
    save = lambda name, a: np.save(os.path.join(out, name), np.ascontiguousarray(a))  # noqa: E731

    # Seeds: seed + 0..5 for (rec, cls, det) x (calib, eval); no two sets share a seed.
    rec_ratio = REC_SHAPE[1] / REC_SHAPE[0]
    for split, n, off in (("calib", args.rec_calib, 0), ("eval", args.rec, 1)):
        lines = make_lines(n, args.seed + off, rec_ratio)
        save(f"rec_{split}.npy", np.stack([normalize_line(img, REC_SHAPE) for _, img in lines]))
        if split == "eval":
            with open(os.path.join(out, "rec_eval.json"), "w", encoding="utf-8") as f:
                json.dump([t for t, _ in lines], f, ensure_ascii=False, indent=0)
            for i, (_, img) in enumerate(lines[:8]):
                Image.fromarray(img).save(os.path.join(out, "samples", f"rec_{i}.png"))
        print(f"ocr_render: rec_{split}.npy [{n}, 3, {REC_SHAPE[0]}, {REC_SHAPE[1]}]")

    for split, n, off in (("calib", args.cls_calib, 2), ("eval", args.cls, 3)):
        lines = make_lines(n, args.seed + off, 2 * rec_ratio)
        xs, labels = [], []
        for _, img in lines:
            xs += [normalize_line(img, CLS_SHAPE), normalize_line(img[::-1, ::-1], CLS_SHAPE)]
            labels += [0, 1]
        save(f"cls_{split}.npy", np.stack(xs))
        if split == "eval":
            save("cls_eval_labels.npy", np.array(labels, np.int64))
            with open(os.path.join(out, "cls_eval.json"), "w", encoding="utf-8") as f:
                json.dump([t for t, _ in lines], f, ensure_ascii=False, indent=0)
        print(f"ocr_render: cls_{split}.npy [{2 * n}, 3, {CLS_SHAPE[0]}, {CLS_SHAPE[1]}] ({n} lines x 0/180)")

    for split, n, off in (("calib", args.det_calib, 4), ("eval", args.det, 5)):
        rng = np.random.default_rng(args.seed + off)
        source = TextSource(rng)
        pages = [render_page(source, rng) for _ in range(n)]
        save(f"det_{split}.npy", np.stack([normalize_page(img) for img, _ in pages]))
        if split == "eval":
            with open(os.path.join(out, "det_eval.json"), "w", encoding="utf-8") as f:
                json.dump([lines for _, lines in pages], f, ensure_ascii=False)
            Image.fromarray(pages[0][0]).save(os.path.join(out, "samples", "det_0.png"))
        print(f"ocr_render: det_{split}.npy [{n}, 3, {DET_SIZE}, {DET_SIZE}] "
              f"({sum(len(p[1]) for p in pages)} text lines)")


if __name__ == "__main__":
    main()
