const steps = require('../../utils/steps.js')

Page({
  data: { synced: false },

  onSync() {
    steps.sync((ok) => this.setData({ synced: ok }))
  }
})
