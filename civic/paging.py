"""What a page of a longer list says about itself: which page, how many, which rows."""

from __future__ import annotations

import math


class PageWindow:
    """Mixed into a page of results; the class supplies `total`, `page`, `per_page` and
    `shown` (the rows on this page)."""

    total: int
    page: int
    per_page: int

    @property
    def shown(self) -> int:
        raise NotImplementedError

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The position of this page's first row (1-based), 0 when the page is empty."""
        return (self.page - 1) * self.per_page + 1 if self.shown else 0

    @property
    def last(self) -> int:
        return self.first + self.shown - 1 if self.shown else 0
