App({ globalData: { member: null } })
