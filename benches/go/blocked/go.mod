module blockedticker

go 1.19
