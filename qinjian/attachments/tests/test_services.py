"""Upload and soft delete: what is stored, what is refused, what the change log says."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from PIL import Image

from qinjian.attachments.models import Attachment
from qinjian.attachments.services import attachment_delete, attachment_upload
from qinjian.core.audit import history_for
from qinjian.core.errors import ValidationFailed
from qinjian.core.models import ObjectChange
from qinjian.testing.factories import make_user

from . import samples

pytestmark = pytest.mark.django_db


def test_upload_stores_files_under_random_names_with_digest_and_thumbnail(mini_city, media_root):
    photo = samples.jpeg(80, 40)
    saved = attachment_upload(obj=mini_city.edu, files=[samples.upload("巡查.jpg", photo),
                                                        samples.upload("报告.pdf", samples.pdf())],
                              description="五月巡查")
    assert [a.original_name for a in saved] == ["巡查.jpg", "报告.pdf"]
    image, doc = saved
    assert (image.kind, image.file_type, image.mime_type, image.width, image.height) == (
        "photo", "jpeg", "image/jpeg", 80, 40)
    assert (doc.kind, doc.file_type, doc.mime_type, doc.width) == ("file", "pdf", "application/pdf", None)
    assert image.sha256 == hashlib.sha256(photo).hexdigest() and image.size == len(photo)
    assert image.file.name.startswith("attachments/") and "巡查" not in image.file.name
    assert image.file.name.endswith(".jpg") and len(image.file.name.rsplit("/", 1)[1]) == 36
    assert (media_root / image.file.name).read_bytes() == photo
    assert image.thumbnail and not doc.thumbnail
    assert image.content_type == ContentType.objects.get_for_model(mini_city.edu)
    assert image.object_id == mini_city.edu.pk and image.description == "五月巡查"


def test_thumbnail_is_upright_and_has_no_metadata(mini_city):
    # orientation 6 = the camera was turned: an 80×40 sensor image is a 40×80 picture
    att = attachment_upload(obj=mini_city.edu, files=[samples.upload("竖拍.jpg", samples.jpeg(80, 40, orientation=6))])[0]
    assert (att.width, att.height) == (40, 80)
    with Image.open(att.thumbnail.open("rb")) as thumb:
        assert thumb.size[0] < thumb.size[1]
        assert dict(thumb.getexif()) == {}
        assert "exif" not in thumb.info


def test_transparent_png_thumbnail(mini_city):
    att = attachment_upload(obj=mini_city.edu, files=[samples.upload("截图.png", samples.png())])[0]
    with Image.open(att.thumbnail.open("rb")) as thumb:
        assert (thumb.format, thumb.mode) == ("JPEG", "RGB")


def test_a_bad_file_refuses_the_whole_upload(mini_city, media_root):
    with pytest.raises(ValidationFailed) as info:
        attachment_upload(obj=mini_city.edu, files=[samples.upload("好.pdf", samples.pdf()),
                                                    samples.upload("坏.jpg", samples.exe())])
    assert info.value.message.startswith("文件“坏.jpg”实际是 Windows 可执行程序，不能上传。")
    assert Attachment.objects.count() == 0
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_size_limit(mini_city, settings):
    settings.QINJIAN_ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationFailed) as info:
        attachment_upload(obj=mini_city.edu, files=[samples.upload("大.txt", b"a" * 1025)])
    assert info.value.message == "文件“大.txt”大小为 1 KB，超过了 1 KB 的上限。"
    assert info.value.fields == {"files": [info.value.message]}
    assert Attachment.objects.count() == 0
    assert len(attachment_upload(obj=mini_city.edu, files=[samples.upload("小.txt", b"a" * 1024)])) == 1


def test_a_broken_image_is_refused(mini_city):
    broken = samples.jpeg(200, 200)[:300]
    with pytest.raises(ValidationFailed) as info:
        attachment_upload(obj=mini_city.edu, files=[samples.upload("坏图.jpg", broken)])
    assert info.value.message == "图片“坏图.jpg”已损坏或不完整，不能上传。"
    assert Attachment.objects.count() == 0


def test_names_are_cleaned_and_get_the_real_extension(mini_city):
    att = attachment_upload(obj=mini_city.edu, files=[samples.upload("../../etc/无扩展名", samples.pdf())])[0]
    assert att.original_name == "无扩展名.pdf"


def test_no_files_and_too_many_files(mini_city):
    with pytest.raises(ValidationFailed, match="请选择要上传的文件。"):
        attachment_upload(obj=mini_city.edu, files=[])
    with pytest.raises(ValidationFailed, match="一次最多上传 20 个文件。"):
        attachment_upload(obj=mini_city.edu, files=[samples.upload(f"{i}.txt", b"x") for i in range(21)])


def test_upload_and_delete_are_in_the_objects_history(mini_city):
    user = make_user("unit_admin", mini_city.edu)
    att = attachment_upload(obj=mini_city.edu, files=[samples.upload("记录.txt", samples.TEXT)])[0]
    attachment_delete(attachment=att, user=user)
    messages = [c.message for c in history_for(mini_city.edu)]
    assert messages[:2] == ["删除附件“记录.txt”", "上传附件 “记录.txt”"]
    att.refresh_from_db()
    assert att.deleted_at is not None and att.deleted_by == user
    assert att.file.storage.exists(att.file.name)  # soft: the file stays for the record
    changes = ObjectChange.objects.filter(content_type=ContentType.objects.get_for_model(Attachment),
                                          object_id=str(att.pk)).order_by("id")
    assert [c.action for c in changes] == ["create", "update"]
    assert changes[1].changed_fields == ["deleted_at", "deleted_by_id"]


def test_deleting_twice_is_refused(mini_city):
    user = make_user("unit_admin", mini_city.edu)
    att = attachment_upload(obj=mini_city.edu, files=[samples.upload("记录.txt", samples.TEXT)])[0]
    attachment_delete(attachment=att, user=user)
    with pytest.raises(ValidationFailed, match="该附件已被删除。"):
        attachment_delete(attachment=att, user=user)


def test_decompression_bomb_image_is_refused(mini_city):
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")  # 100 megapixels in a few KB
    with pytest.raises(ValidationFailed) as info:
        attachment_upload(obj=mini_city.edu, files=[samples.upload("炸弹.png", out.getvalue())])
    assert info.value.message == "图片“炸弹.png”的像素过大，不能上传。"
