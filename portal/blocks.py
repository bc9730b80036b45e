"""StreamField blocks of the public pages' bodies (bakerydemo's BaseStreamBlock)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.CharBlock):
    class Meta:
        icon = "title"
        label = _("小标题")
        template = "blocks/heading_block.html"


class CaptionedImageBlock(blocks.StructBlock):
    """A photo with the text read out in its place (required: the page must stay accessible)."""

    image = ImageChooserBlock(label=_("图片"))
    alt = blocks.CharBlock(label=_("替代文字"), max_length=200)
    caption = blocks.CharBlock(label=_("图注"), required=False, max_length=200)

    class Meta:
        icon = "image"
        label = _("图片")
        template = "blocks/captioned_image_block.html"


class AttachmentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文件"))
    title = blocks.CharBlock(label=_("显示名称"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        label = _("附件")
        template = "blocks/attachment_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("段落"), icon="pilcrow", features=["bold", "italic", "link", "ol", "ul"]
    )
    image = CaptionedImageBlock()
    attachment = AttachmentBlock()
    quote = blocks.BlockQuoteBlock(label=_("引文"))
