"""Pictures drawn for the demo data (a commune's logo and banner, a process's cover), so that `make run` and the
accessibility audit's sample show pages with images, without image files in the repository."""

import io

from django.core.files.images import ImageFile
from django.utils.text import slugify
from PIL import Image as Picture
from PIL import ImageDraw
from wagtail.images.models import Image


def drawn_image(title, *, size, colours, description="", collection=None):
    """A Wagtail image of `size`: a background and bands of the other colours, as a flat illustration."""
    width, height = size
    picture = Picture.new("RGB", size, colours[0])
    draw = ImageDraw.Draw(picture)
    bands = colours[1:]
    for number, colour in enumerate(bands):
        top = height * (number + 1) // (len(bands) + 1)
        draw.ellipse((-width // 4, top, width + width // 4, top + height), fill=colour)
    data = io.BytesIO()
    picture.save(data, "PNG")
    image = Image(title=title, description=description, file=ImageFile(data, name=f"{slugify(title)}.png"))
    if collection is not None:
        image.collection = collection
    image.save()
    return image
