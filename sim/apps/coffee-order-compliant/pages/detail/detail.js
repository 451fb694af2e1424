const request = require('../../utils/request.js')

Page({
  data: { item: null },

  onLoad(query) {
    request.get('/api/menu').then((data) => {
      const item = (data.items || []).find((i) => String(i.id) === String(query.id))
      this.setData({ item: item || null })
    })
  }
})
