Component({
  data: { show: false },

  lifetimes: {
    attached() {
      wx.onNeedPrivacyAuthorization((resolve) => {
        this.resolvePrivacy = resolve
        this.setData({ show: true })
      })
      // 进入即请用户确认隐私保护指引
      wx.requirePrivacyAuthorize({})
    }
  },

  methods: {
    onAgree() {
      this.setData({ show: false })
      this.resolvePrivacy({ buttonId: 'agree-btn', event: 'agree' })
    },

    // 不同意就无法提供报价服务，直接退出
    onDisagree() {
      this.resolvePrivacy({ event: 'disagree' })
      wx.exitMiniProgram()
    }
  }
})
