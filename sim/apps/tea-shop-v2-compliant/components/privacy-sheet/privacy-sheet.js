Component({
  properties: {
    show: { type: Boolean, value: false }
  },
  methods: {
    onAgree() {
      this.triggerEvent('decide', { agree: true })
    },
    onRefuse() {
      this.triggerEvent('decide', { agree: false })
    }
  }
})
