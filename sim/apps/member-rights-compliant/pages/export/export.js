Page({ data: { sent: false } })
