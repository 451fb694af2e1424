const weather = require('../../utils/weather.js')
const position = require('../../utils/position.js')

Page({
  data: { city: '北京', temp: '--', text: '点击下方按钮获取当地天气' },

  onLocate() {
    position.current((coords) => {
      if (!coords) {
        this.setData({ text: '未能定位，已显示默认城市' })
        return
      }
      weather.forecast(coords, (data) => {
        if (data) this.setData({ city: data.city, temp: data.temp, text: data.text })
      })
    })
  }
})
