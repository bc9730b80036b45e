from PIL import ImageFile

from portal.pdf import pdf_render


def test_rendering_chinese_leaves_truncated_uploads_refusable():
    pdf = pdf_render("<h1>建邺区城市管理</h1>")
    assert pdf.startswith(b"%PDF")
    # WeasyPrint turns this on when imported; the upload checks rely on it staying off.
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
